/**
 * Output mappings: a cart's (or a WMS product file's) columns, each a canonical field or a constant, in the format's
 * terms.
 */
import type { FormatDefinition } from "../formats/index.js";
import { readYaml, parseWith, problemAt } from "../config/yaml.js";
import { OUTPUT_FIELDS, PRODUCT_FIELDS, type OutputKind } from "./kinds.js";
import { outputMappingSchema } from "./schema.js";
import { extraKeys, fail, formatOptions, formatOrProblem } from "./common.js";

export interface OutputMapping {
  file: string;
  kind: OutputKind;
  /** the mapping file's text: part of what a cart's settings are */
  text: string;
  format: FormatDefinition;
  writerOptions: unknown;
  headers: string[];
  /** the field each column carries (undefined for a constant) */
  fields: Array<string | undefined>;
  /** each column's target, and its field or constant */
  columns: Array<{ target: string; field?: string; constant?: string }>;
  /** the record's values in column order */
  row(record: Record<string, unknown>): string[];
}

/** A product value as a file carries it: lists joined, yes/no as Y/N, nothing as empty. */
function productText(v: unknown, join: string): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join(join);
  if (typeof v === "boolean") return v ? "Y" : "N";
  return String(v);
}

/**
 * Loads and compiles an output mapping once: a cart's inventory file (kind cart-inventory)
 * or a WMS's product file (kind products).
 */
export function compileOutputMapping(file: string, expected?: OutputKind): OutputMapping {
  const y = readYaml(file, "mapping_invalid");
  const m = parseWith(y, outputMappingSchema, "mapping_invalid");
  const problems: string[] = [];
  if (expected && m.kind !== expected)
    problems.push(problemAt(y, ["kind"], `this place needs a mapping of kind ${expected}, this one is ${m.kind}`));
  const format = formatOrProblem(y, m.format, problems);
  extraKeys(y, ["kind", "format", "description", "columns", m.format], problems);
  const writerOptions = format ? formatOptions(y, format, format.writerOptions, problems) : undefined;
  const known: Record<string, unknown> = m.kind === "products" ? PRODUCT_FIELDS : OUTPUT_FIELDS;
  const getters: Array<(r: Record<string, unknown>) => string> = [];
  m.columns.forEach((c, i) => {
    const badTarget =
      format?.checkTarget && writerOptions !== undefined ? format.checkTarget(c.header, writerOptions) : undefined;
    if (badTarget) problems.push(problemAt(y, ["columns", i, "header"], badTarget));
    if (c.join !== undefined && m.kind !== "products")
      problems.push(problemAt(y, ["columns", i, "join"], "join is for list fields of product files"));
    if (c.field !== undefined) {
      if (!Object.hasOwn(known, c.field)) {
        problems.push(
          problemAt(
            y,
            ["columns", i, "field"],
            `unknown field ${JSON.stringify(c.field)} (fields: ${Object.keys(known).join(", ")})`,
          ),
        );
        return;
      }
      const field = c.field;
      const join = c.join ?? "|";
      getters.push(m.kind === "products" ? (r) => productText(r[field], join) : (r) => String(r[field] ?? ""));
    } else {
      const value = String(c.constant);
      getters.push(() => value);
    }
  });
  const has = (...fields: string[]) => m.columns.some((c) => c.field !== undefined && fields.includes(c.field));
  if (m.kind === "products") {
    if (!has("sku")) problems.push(problemAt(y, ["columns"], "a product file needs a column with field: sku"));
  } else {
    if (!has("quantity")) problems.push(problemAt(y, ["columns"], "a cart file needs a column with field: quantity"));
    if (!has("code", "sku"))
      problems.push(problemAt(y, ["columns"], "a cart file needs a column with field: code (or sku)"));
  }
  const columns = m.columns.map((c) => ({
    target: c.header,
    field: c.field,
    constant: c.constant === undefined ? undefined : String(c.constant),
  }));
  for (const p of format?.checkColumns?.(columns) ?? []) problems.push(problemAt(y, ["columns"], p));
  if (problems.length > 0 || !format) fail(problems);
  return {
    file,
    kind: m.kind,
    text: y.text,
    format,
    writerOptions,
    headers: m.columns.map((c) => c.header),
    fields: m.columns.map((c) => c.field),
    columns,
    row: (r) => getters.map((g) => g(r)),
  };
}
