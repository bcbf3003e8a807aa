import { readFile, stat } from "node:fs/promises";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import type { SourceRow, TableReader } from "../types.js";

const NAME = "[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?";
const PATH = new RegExp(`^(/)?(?:${NAME}/)*(?:${NAME}|@${NAME})$`);
const RECORD_PATH = new RegExp(`^${NAME}(?:/${NAME})*$`);

export const xmlReaderOptions = z.strictObject({
  /** the path from the root element to each record element, e.g. Inventory/Item */
  record: z.string().regex(RECORD_PATH, "element names separated by /, from the root element, e.g. Inventory/Item"),
  /** files are read whole: larger ones are refused, not allowed to exhaust memory */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(256 * 1024 * 1024),
});

export type XmlReaderOptions = z.output<typeof xmlReaderOptions>;

/**
 * A column is a path from the record element: `Sku`, `Stock/Available`, `@code` (an
 * attribute of the record), `Stock/@unit`; or from the root when it starts with `/`:
 * `/Inventory/@asOf` (a value shared by every record).
 */
export function checkXmlColumn(column: string): string | undefined {
  return PATH.test(column)
    ? undefined
    : `${JSON.stringify(column)} is not an XML path (examples: Sku, Stock/Available, @code, /Inventory/@asOf)`;
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** The five predefined XML entities and character references; nothing else is expanded. */
function decode(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9A-Fa-f]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] !== "#") return PREDEFINED[e];
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}

type Node = string | { [k: string]: unknown } | unknown[];

function own(o: unknown, key: string): unknown {
  return o !== null && typeof o === "object" && !Array.isArray(o) && Object.hasOwn(o, key)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

/** The text at a path below a node: the first element where several match, its text when it has attributes. */
function valueAt(node: unknown, parts: string[]): string | undefined {
  let cur: unknown = node;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[0];
    cur = own(cur, p);
    if (cur === undefined) return undefined;
  }
  if (Array.isArray(cur)) cur = cur[0];
  if (cur !== null && typeof cur === "object") cur = own(cur, "#text") ?? "";
  return cur === undefined || cur === null ? undefined : decode(String(cur));
}

/** Lines where each record element starts, outside comments and CDATA. */
function recordLines(text: string, element: string): number[] {
  const out: number[] = [];
  const re = new RegExp(
    `<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<${element.replace(/[.]/g, "\\.")}(?=[\\s/>])`,
    "g",
  );
  let line = 1;
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].startsWith("<!")) continue;
    for (let i = from; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    from = m.index;
    out.push(line);
  }
  return out;
}

/**
 * Records of an XML file. Hostile files are refused before parsing: a DOCTYPE (external
 * entities, entity bombs) is rejected outright, entities other than the predefined five
 * are never expanded, and keys are read only as own properties.
 */
export async function openXmlTable(file: string, wanted: readonly string[], o: XmlReaderOptions): Promise<TableReader> {
  const size = (await stat(file)).size;
  if (size > o.maxBytes)
    throw new FileUnreadableError(`the XML file is ${size} bytes, more than maxBytes ${o.maxBytes}`, file);
  const text = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
  const doctype = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (doctype) {
    const line = text.slice(0, doctype.index).split("\n").length;
    throw new FileUnreadableError(
      `line ${line}: XML with a <!${doctype[1]}> declaration is refused (no DTDs, no entities: they can read local files or expand without bound)`,
      file,
    );
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true)
    throw new FileUnreadableError(`line ${valid.err.line}: not well-formed XML: ${valid.err.msg}`, file);

  const recordPath = o.record.split("/");
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    textNodeName: "#text",
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    isArray: (_name, jpath) => jpath === recordPath.join("."),
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    // fast-xml-parser refuses names such as __proto__ that could pollute prototypes
    throw new FileUnreadableError(`XML refused: ${(e as Error).message}`, file);
  }
  const root = own(doc, recordPath[0]);
  if (root === undefined) {
    const found = Object.keys(doc).filter((k) => !k.startsWith("?"))[0];
    throw new FileUnreadableError(`the root element is <${found}>, the mapping expects <${recordPath[0]}>`, file);
  }
  let records: unknown = doc;
  for (const p of recordPath.slice(0, -1)) {
    records = own(Array.isArray(records) ? records[0] : records, p);
  }
  const list = (own(Array.isArray(records) ? records[0] : records, recordPath.at(-1)!) as Node[] | undefined) ?? [];
  const lines = recordLines(text, recordPath.at(-1)!);
  const useLines = lines.length === list.length;

  const paths = wanted.map((w) => {
    const absolute = w.startsWith("/");
    return { absolute, parts: (absolute ? w.slice(1) : w).split("/") };
  });
  async function* rows(): AsyncGenerator<SourceRow> {
    for (let i = 0; i < list.length; i++) {
      const values = paths.map((p) => (p.absolute ? valueAt(doc, p.parts) : valueAt(list[i], p.parts)));
      yield { line: useLines ? lines[i] : i + 1, values };
    }
  }
  return { present: wanted.map(() => true), rows: rows() };
}
