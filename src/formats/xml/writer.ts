import { z } from "zod";
import { isoUtc } from "../../util/time.js";
import { createOutputFile } from "../output-file.js";
import { notAsWritten, textChunks } from "../kept-records.js";
import type { KeptBody, KeptRecord, RecordWriter, WriteContext } from "../types.js";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const name = z.string().regex(NAME_RE, "an XML element name (letters, digits, . - _; not starting with a digit)");

export const xmlWriterOptions = z.strictObject({
  root: name,
  record: name,
  /** attributes of the root element; {now} is the snapshot time (ISO 8601 UTC) */
  rootAttributes: z.record(z.string().regex(NAME_RE), z.string()).default({}),
  indent: z.boolean().default(true),
});

export type XmlWriterOptions = z.output<typeof xmlWriterOptions>;

/**
 * A column's target: a child element (`Sku`), a nested one (`Stock/Available`), or an attribute
 * (`@code`, `Stock/@unit`).
 */
export function checkXmlTarget(target: string): string | undefined {
  const parts = target.split("/");
  const bad = parts.some((p, i) => !NAME_RE.test(i === parts.length - 1 && p.startsWith("@") ? p.slice(1) : p));
  return bad || parts.length > 2
    ? `${JSON.stringify(target)} is not an output path (Sku, Stock/Available, @code or Stock/@unit)`
    : undefined;
}

const INVALID_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

export function escapeXml(v: string, attribute = false): string {
  let out = v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  if (attribute)
    out = out.replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
  return out;
}

interface Element {
  name: string;
  attrs: Array<{ name: string; column: number }>;
  text?: number;
  children: Element[];
}

/** The shape of one record from the column targets, in the mapping's order. */
function shape(headers: readonly string[], record: string): Element {
  const root: Element = { name: record, attrs: [], children: [] };
  headers.forEach((h, i) => {
    const parts = h.split("/");
    let el = root;
    if (parts.length === 2) {
      let child = el.children.find((c) => c.name === parts[0]);
      if (!child) el.children.push((child = { name: parts[0], attrs: [], children: [] }));
      el = child;
    }
    const last = parts.at(-1)!;
    if (last.startsWith("@")) el.attrs.push({ name: last.slice(1), column: i });
    else el.children.push({ name: last, attrs: [], text: i, children: [] });
  });
  return root;
}

function render(e: Element, values: readonly string[], indent: string, step: string): string {
  const attrs = e.attrs.map((a) => ` ${a.name}="${escapeXml(values[a.column], true)}"`).join("");
  if (e.text !== undefined && e.children.length === 0)
    return `${indent}<${e.name}${attrs}>${escapeXml(values[e.text])}</${e.name}>`;
  if (e.children.length === 0) return `${indent}<${e.name}${attrs}/>`;
  const nl = step ? "\n" : "";
  const children = e.children.map((c) => render(c, values, indent + step, step)).join(nl);
  return `${indent}<${e.name}${attrs}>${nl}${children}${nl}${indent}</${e.name}>`;
}

/** An XML document written as a stream: declaration, root, one record element per line, escaped. */
export async function createXmlWriter(
  file: string,
  headers: readonly string[] | null,
  o: XmlWriterOptions,
  ctx: WriteContext,
): Promise<RecordWriter> {
  const record = shape(headers ?? [], o.record);
  const step = o.indent ? "  " : "";
  const nl = o.indent ? "\n" : "";
  const rootAttrs = Object.entries(o.rootAttributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v.replace(/\{now\}/g, isoUtc(ctx.now)), true)}"`)
    .join("");
  const out = await createOutputFile(file);
  out.append(`<?xml version="1.0" encoding="UTF-8"?>\n<${o.root}${rootAttrs}>${nl}`);
  return {
    write(values) {
      const bad = values.findIndex((v) => INVALID_XML.test(v));
      if (bad >= 0) return `${headers![bad]} ${JSON.stringify(values[bad])} holds a character XML 1.0 cannot carry`;
      out.append(render(record, values, step, step) + nl);
      return out.maybeFlush()?.then(() => undefined);
    },
    copy(kept) {
      out.append(kept.text + nl);
      return out.maybeFlush();
    },
    copyBytes(bytes) {
      out.appendBytes(bytes);
      return out.maybeFlush();
    },
    async close() {
      out.append(`</${o.root}>\n`);
      return out.close();
    },
    sha256: out.sha256,
    abort: out.abort,
  };
}

const unescapeXml = (v: string) =>
  !v.includes("&")
    ? v
    : v
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#9;/g, "\t")
        .replace(/&#10;/g, "\n")
        .replace(/&#13;/g, "\r")
        .replace(/&amp;/g, "&");

/** Every element name of the record's shape, the record's own included, with how often it occurs. */
function names(e: Element, count = new Map<string, number>()): Map<string, number> {
  count.set(e.name, (count.get(e.name) ?? 0) + 1);
  for (const c of e.children) names(c, count);
  return count;
}

/**
 * Where a record's key is, as a function of the record's text: an attribute in an element's
 * start tag, or an element's text. Undefined unless the element that holds it has a name no
 * other element of the record has (its first occurrence is then the one).
 */
function keyReader(e: Element, column: number): ((record: string) => string) | undefined {
  const count = names(e);
  const find = (el: Element): { el: Element; attr?: string } | undefined => {
    const attr = el.attrs.find((a) => a.column === column);
    if (attr) return { el, attr: attr.name };
    if (el.text === column) return { el };
    for (const c of el.children) {
      const hit = find(c);
      if (hit) return hit;
    }
    return undefined;
  };
  const at = find(e);
  if (!at || count.get(at.el.name) !== 1) return undefined;
  const open = `<${at.el.name}`;
  const attr = at.attr;
  return (record) => {
    let start = record.indexOf(open);
    while (start >= 0 && !/[\s>/]/.test(record[start + open.length] ?? "")) start = record.indexOf(open, start + 1);
    if (start < 0) throw notAsWritten(`a record without <${at.el.name}>: ${record}`);
    const tagEnd = record.indexOf(">", start);
    if (attr !== undefined) {
      const tag = record.slice(start, tagEnd);
      const v = tag.indexOf(` ${attr}="`);
      if (v < 0) throw notAsWritten(`a record without ${attr}=: ${record}`);
      const from = v + attr.length + 3;
      return unescapeXml(tag.slice(from, tag.indexOf('"', from)));
    }
    const end = record.indexOf(`</${at.el.name}>`, tagEnd);
    if (end < 0) throw notAsWritten(`a record without </${at.el.name}>: ${record}`);
    return unescapeXml(record.slice(tagEnd + 1, end));
  };
}

/**
 * The records of a file this writer wrote, each with its key column's value: the record
 * elements between the root's start and end tags. Undefined when the key cannot be told
 * from the text alone (its element's name occurs twice in a record).
 */
export function xmlKeptRecords(
  from: string,
  headers: readonly string[],
  o: XmlWriterOptions,
  keyColumn: number,
): AsyncIterable<KeptRecord[]> | undefined {
  const record = shape(headers, o.record);
  const key = keyReader(record, keyColumn);
  if (!key || names(record).get(o.record) !== 1) return undefined;
  const step = o.indent ? "  " : "";
  const nl = o.indent ? "\n" : "";
  const open = `${step}<${o.record}`;
  const close = record.children.length > 0 ? `</${o.record}>` : "/>";
  const end = `</${o.root}>\n`;
  return (async function* () {
    let text = "";
    let started = false;
    let ended = false;
    for await (const chunk of textChunks(from)) {
      text += chunk;
      if (ended) continue; // anything after the root's end tag is found below
      let pos = 0;
      if (!started) {
        const decl = text.indexOf("?>\n");
        const rootEnd = decl < 0 ? -1 : text.indexOf(">", decl + 3);
        if (rootEnd < 0 || rootEnd + 1 + nl.length > text.length) continue;
        if (!text.startsWith(`<${o.root}`, decl + 3)) throw notAsWritten(`the root is not <${o.root}>`);
        pos = rootEnd + 1 + nl.length;
        started = true;
      }
      const batch: KeptRecord[] = [];
      for (;;) {
        if (text.startsWith(end, pos)) {
          ended = true;
          pos += end.length;
          break;
        }
        const stop = text.indexOf(close, pos);
        if (stop < 0 || stop + close.length + nl.length > text.length) break;
        if (!text.startsWith(open, pos)) throw notAsWritten(`not a <${o.record}> at ${text.slice(pos, pos + 40)}`);
        const r = text.slice(pos, stop + close.length);
        batch.push({ key: key(r), text: r });
        pos = stop + close.length + nl.length;
      }
      text = text.slice(pos);
      if (batch.length > 0) yield batch;
    }
    if (!ended || text !== "") throw notAsWritten(`the file does not end with </${o.root}>`);
  })();
}

/**
 * How the records of a file this writer wrote lie in its bytes (see KeptBody): between the
 * root's start and end tags, each ending with its end tag (or "/>") and the newline. Values
 * are escaped (no < or > in them) and no element of a record has the record's name, so every
 * such end ends a record. Undefined where xmlKeptRecords is.
 */
export function xmlKeptBody(headers: readonly string[], o: XmlWriterOptions, keyColumn: number): KeptBody | undefined {
  const record = shape(headers, o.record);
  const key = keyReader(record, keyColumn);
  if (!key || names(record).get(o.record) !== 1 || o.root === o.record) return undefined;
  const nl = o.indent ? "\n" : "";
  const terminator = Buffer.from((record.children.length > 0 ? `</${o.record}>` : "/>") + nl, "utf8");
  const declaration = Buffer.from("?>\n", "utf8");
  const root = Buffer.from(`<${o.root}`, "utf8");
  return {
    opening(head) {
      const decl = head.indexOf(declaration);
      const rootEnd = decl < 0 ? -1 : head.indexOf(">", decl + declaration.length);
      if (rootEnd < 0 || rootEnd + 1 + nl.length > head.length) return undefined;
      if (
        !head
          .subarray(decl + declaration.length)
          .subarray(0, root.length)
          .equals(root)
      )
        throw notAsWritten(`the root is not <${o.root}>`);
      return rootEnd + 1 + nl.length;
    },
    closing: Buffer.from(`</${o.root}>\n`, "utf8"),
    terminator,
    plain: () => true,
    recordEnd(bytes, start, end) {
      const t = bytes.indexOf(terminator, start);
      return t < 0 || t + terminator.length > end ? -1 : t + terminator.length;
    },
    key: (bytes, start, end) => key(bytes.toString("utf8", start, end - nl.length)),
  };
}
