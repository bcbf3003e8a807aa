import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import type { SourceRow, TableReader } from "../types.js";
import { xmlText } from "./decode.js";
import { documentRoot, matches, matchesAttribute, nameTest, type NameTest, type XmlElement } from "./tree.js";

const NAME = "[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?";
const PATH = new RegExp(`^(?:/|(?:\\.\\./)*)(?:${NAME}/)*(?:${NAME}|@${NAME}|\\.\\.)$`);
const RECORD_PATH = new RegExp(`^${NAME}(?:/${NAME})*$`);

export const xmlReaderOptions = z.strictObject({
  /** the path from the root element to each record element, e.g. Inventory/Item (every Item of every Inventory) */
  record: z.string().regex(RECORD_PATH, "element names separated by /, from the root element, e.g. Inventory/Item"),
  /** the namespaces the mapping's names use: prefix to URI (a file's own prefixes do not matter); "" for the default */
  namespaces: z.record(z.string().regex(/^(|[A-Za-z_][A-Za-z0-9._-]*)$/), z.string().min(1)).default({}),
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
 * attribute of the record), `Stock/@unit`, `../@id` (an attribute of the record's parent);
 * or from the root when it starts with `/`: `/Inventory/@asOf` (shared by every record).
 */
export function checkXmlColumn(column: string): string | undefined {
  return PATH.test(column)
    ? undefined
    : `${JSON.stringify(column)} is not an XML path (examples: Sku, Stock/Available, @code, ../@id, /Inventory/@asOf)`;
}

type Step = { up: true } | { element: NameTest } | { attribute: NameTest };

/** A column (or the record path) as steps, its names read with the mapping's namespaces. */
function stepsOf(path: string, namespaces: Record<string, string>, file: string): { absolute: boolean; steps: Step[] } {
  const absolute = path.startsWith("/");
  const { "": _default, ...prefixed } = namespaces;
  const steps = (absolute ? path.slice(1) : path).split("/").map((part): Step => {
    if (part === "..") return { up: true };
    const attribute = part.startsWith("@");
    const t = nameTest(attribute ? part.slice(1) : part, attribute ? prefixed : namespaces);
    if (typeof t === "string") throw new FileUnreadableError(`${path}: ${t}`, file);
    return attribute ? { attribute: t } : { element: t };
  });
  return { absolute, steps };
}

/** The text at a path from an element: the first element where several match. */
function valueAt(from: XmlElement | undefined, steps: Step[]): string | undefined {
  let cur = from;
  for (const s of steps) {
    if (!cur) return undefined;
    if ("up" in s) cur = cur.parent;
    else if ("attribute" in s) return cur.attributes.find((a) => matchesAttribute(s.attribute, a))?.value;
    else cur = cur.children.find((c) => matches(s.element, c));
  }
  return cur?.text;
}

/** A path from the root: its first step names the root element. */
function fromRoot(root: XmlElement, steps: Step[]): string | undefined {
  const [first, ...rest] = steps;
  return "element" in first && matches(first.element, root) ? valueAt(root, rest) : undefined;
}

/** Every element at the record path, in document order, under every parent that matches. */
function recordsOf(root: XmlElement, steps: Step[]): XmlElement[] {
  const [first, ...rest] = steps as Array<{ element: NameTest }>;
  let level = matches(first.element, root) ? [root] : [];
  for (const s of rest) level = level.flatMap((e) => e.children.filter((c) => matches(s.element, c)));
  return level;
}

/** Lines where each record's start tag is, outside comments and CDATA, when they can be told. */
function recordLines(text: string, records: XmlElement[]): number[] | undefined {
  const names = [...new Set(records.map((r) => (r.prefix ? `${r.prefix}:${r.local}` : r.local)))];
  if (names.length === 0) return [];
  const alternatives = names.map((n) => n.replace(/[.]/g, "\\.")).join("|");
  const re = new RegExp(`<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>|<(?:${alternatives})(?=[\\s/>])`, "g");
  const out: number[] = [];
  let line = 1;
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].startsWith("<!")) continue;
    for (let i = from; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    from = m.index;
    out.push(line);
  }
  // an element of that name elsewhere than at the record path: the lines cannot be paired, ordinals are used
  return out.length === records.length ? out : undefined;
}

/**
 * Records of an XML file, in the encoding it declares. Hostile files are refused before
 * parsing: a DOCTYPE (external entities, entity bombs) is rejected outright, entities other
 * than the predefined five are never expanded, and names are matched by namespace URI.
 */
export async function openXmlTable(file: string, wanted: readonly string[], o: XmlReaderOptions): Promise<TableReader> {
  const size = (await stat(file)).size;
  if (size > o.maxBytes)
    throw new FileUnreadableError(`the XML file is ${size} bytes, more than maxBytes ${o.maxBytes}`, file);
  const { text } = xmlText(await readFile(file), file);
  const doctype = /<!(DOCTYPE|ENTITY)/i.exec(text);
  if (doctype) {
    const line = text.slice(0, doctype.index).split("\n").length;
    throw new FileUnreadableError(
      `line ${line}: XML with a <!${doctype[1]}> declaration is refused (no DTDs, no entities: they can read local files or expand without bound)`,
      file,
    );
  }
  // loaded with the first XML file read: a run that reads none does not load it
  const { XMLParser, XMLValidator } = await import("fast-xml-parser");
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true)
    throw new FileUnreadableError(`line ${valid.err.line}: not well-formed XML: ${valid.err.msg}`, file);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    textNodeName: "#text",
    cdataPropName: "#cdata",
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
  });
  let root: XmlElement | undefined;
  try {
    root = documentRoot(parser.parse(text) as Array<Record<string, unknown>>);
  } catch (e) {
    // fast-xml-parser refuses names such as __proto__ that could pollute prototypes; an undeclared prefix is refused
    // here
    throw new FileUnreadableError(`XML refused: ${(e as Error).message}`, file);
  }
  const record = stepsOf(o.record, o.namespaces, file);
  const recordRoot = (record.steps[0] as { element: NameTest }).element;
  if (!root || !matches(recordRoot, root)) {
    const found = root
      ? `<${root.prefix ? `${root.prefix}:` : ""}${root.local}>${root.uri ? ` in ${root.uri}` : ""}`
      : "none";
    throw new FileUnreadableError(
      `the root element is ${found}, the mapping expects <${o.record.split("/")[0]}>`,
      file,
    );
  }
  const list = recordsOf(root, record.steps);
  const lines = recordLines(text, list);
  const paths = wanted.map((w) => stepsOf(w, o.namespaces, file));
  const top = root;
  async function* rows(): AsyncGenerator<SourceRow> {
    for (let i = 0; i < list.length; i++) {
      const values = paths.map((p) => (p.absolute ? fromRoot(top, p.steps) : valueAt(list[i], p.steps)));
      yield { line: lines ? lines[i] : i + 1, values };
    }
  }
  // the file was read whole: nothing stays open
  return { present: wanted.map(() => true), rows: rows(), close: () => {} };
}
