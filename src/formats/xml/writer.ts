import { z } from "zod";
import { isoUtc } from "../../util/time.js";
import { createOutputFile } from "../output-file.js";
import type { RecordWriter, WriteContext } from "../types.js";

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

/** A column's target: a child element (`Sku`), a nested one (`Stock/Available`), or an attribute (`@code`, `Stock/@unit`). */
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
  return `${indent}<${e.name}${attrs}>${nl}${e.children.map((c) => render(c, values, indent + step, step)).join(nl)}${nl}${indent}</${e.name}>`;
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
    async close() {
      out.append(`</${o.root}>\n`);
      return out.close();
    },
    abort: out.abort,
  };
}
