import type { z } from "zod";
import { ConfigError, type RecordError } from "../errors.js";
import { parseWholeQuantity } from "../domain/quantity.js";
import { formats, type FormatDefinition, type SourceRow } from "../formats/index.js";
import { readYaml, parseWith, problemAt, type LocatedYaml } from "../config/yaml.js";
import { compileDatePattern, isValidTimeZone, parseIso, parseWithPattern, parseX12DateTime } from "../util/time.js";
import { INPUT_KINDS, OUTPUT_FIELDS, type CanonicalField, type CanonicalRecord, type InputKind, type OutputField } from "./kinds.js";
import { inputMappingSchema, outputMappingSchema, type FieldSpec } from "./schema.js";

type Value = string | number | boolean | null;
type Converted = { ok: true; value: Value } | { ok: false; reason: string };
type Converter = (text: string) => Converted;

const TRUE_WORDS = ["y", "yes", "true", "1", "t"];
const FALSE_WORDS = ["n", "no", "false", "0", "f"];
const ORDER_STATUS: Record<string, "open" | "shipped" | "cancelled"> = {
  open: "open",
  new: "open",
  pending: "open",
  processing: "open",
  shipped: "shipped",
  fulfilled: "shipped",
  cancelled: "cancelled",
  canceled: "cancelled",
};

interface CompiledField {
  name: string;
  canonical: CanonicalField;
  /** indexes into the columns the reader is asked for (several are joined with a space); empty for a constant */
  column: number[];
  columnName?: string;
  constant: Value | undefined;
  defaultText: string | undefined;
  prepare: (raw: string) => string;
  convert: Converter;
}

export interface InputMapping<K extends InputKind = InputKind> {
  file: string;
  kind: K;
  format: FormatDefinition;
  readerOptions: unknown;
  /** the column names the reader must look up, in the order SourceRow.values follows */
  columns: string[];
  /** checks the file's header has what this mapping requires; returns problems, empty when fine */
  checkColumns(present: boolean[]): string[];
  /** one row to a canonical record, or the rejects of that line */
  map(row: SourceRow, file: string): { record: CanonicalRecord<K> } | { errors: RecordError[] };
}

export interface OutputMapping {
  file: string;
  /** the mapping file's text: part of what a cart's settings are */
  text: string;
  format: FormatDefinition;
  writerOptions: unknown;
  headers: string[];
  /** the record's values in column order */
  row(record: Record<OutputField, string | number>): string[];
}

function converterFor(y: LocatedYaml, path: (string | number)[], f: CanonicalField, spec: FieldSpec, problems: string[]): Converter {
  const renamed = spec.values ? new Map(Object.entries(spec.values).map(([k, v]) => [k.toLowerCase(), v])) : undefined;
  const rename = (t: string) => renamed?.get(t.toLowerCase()) ?? t;
  switch (f.type) {
    case "string":
      return (t) => ({ ok: true, value: rename(t) });
    case "integer":
      return (t) => {
        const q = parseWholeQuantity(rename(t));
        if (!q.ok) return q;
        if (f.min !== undefined && q.value < f.min) return { ok: false, reason: `must be at least ${f.min}` };
        return q;
      };
    case "boolean": {
      const yes = (spec.true ?? TRUE_WORDS).map((w) => w.toLowerCase());
      const no = (spec.false ?? FALSE_WORDS).map((w) => w.toLowerCase());
      return (t) => {
        const w = rename(t).toLowerCase();
        if (yes.includes(w)) return { ok: true, value: true };
        if (no.includes(w)) return { ok: true, value: false };
        return { ok: false, reason: `not a yes/no value (expected one of ${[...yes, ...no].join(", ")})` };
      };
    }
    case "orderStatus":
      return (t) => {
        const s = ORDER_STATUS[rename(t).toLowerCase()];
        return s ? { ok: true, value: s } : { ok: false, reason: "unknown order status (expected open, shipped or cancelled)" };
      };
    case "datetime": {
      const tz = spec.timeZone;
      if (tz !== undefined && !isValidTimeZone(tz)) problems.push(problemAt(y, [...path, "timeZone"], `unknown time zone ${JSON.stringify(tz)}`));
      const format = spec.format ?? "iso8601";
      if (format === "iso8601") return (t) => parseIso(t, tz);
      if (format === "epoch-seconds" || format === "epoch-millis") {
        const scale = format === "epoch-seconds" ? 1000 : 1;
        return (t) => (/^\d+$/.test(t) ? { ok: true, value: Number(t) * scale } : { ok: false, reason: `not ${format}` });
      }
      if (tz === undefined) {
        problems.push(problemAt(y, path, `format ${JSON.stringify(format)} needs a timeZone (dates in it carry no UTC offset)`));
        return () => ({ ok: false, reason: "no time zone" });
      }
      if (format === "x12") return (t) => parseX12DateTime(t, tz);
      try {
        const p = compileDatePattern(format);
        return (t) => parseWithPattern(t, p, tz);
      } catch (e) {
        problems.push(problemAt(y, [...path, "format"], (e as Error).message));
        return () => ({ ok: false, reason: "bad format" });
      }
    }
  }
}

/** The value of one source column, or of several joined with a space (empty ones left out). */
function joined(values: ReadonlyArray<string | undefined>, at: number[]): string | undefined {
  if (at.length === 1) return values[at[0]];
  const parts = at.map((i) => values[i]).filter((v): v is string => v !== undefined && v.trim() !== "");
  return parts.length === 0 ? undefined : parts.map((p) => p.trim()).join(" ");
}

function formatOrProblem(y: LocatedYaml, name: string, problems: string[]): FormatDefinition | undefined {
  const format = formats[name];
  if (!format) problems.push(problemAt(y, ["format"], `unknown format ${JSON.stringify(name)} (known: ${Object.keys(formats).join(", ")})`));
  return format;
}

function formatOptions(y: LocatedYaml, format: FormatDefinition, schema: z.ZodType, problems: string[]): unknown {
  const raw = (y.data as Record<string, unknown>)[format.name];
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const p = [format.name, ...issue.path.filter((k): k is string | number => typeof k !== "symbol")];
    if (issue.code === "unrecognized_keys") for (const k of issue.keys) problems.push(problemAt(y, p, "unknown key", k));
    else problems.push(problemAt(y, p, issue.message));
  }
  return undefined;
}

function extraKeys(y: LocatedYaml, allowed: string[], problems: string[]) {
  for (const k of Object.keys(y.data as object)) if (!allowed.includes(k)) problems.push(problemAt(y, [], "unknown key", k));
}

function fail(problems: string[]): never {
  throw new ConfigError(problems[0], problems, "mapping_invalid");
}

/** Loads and compiles an input mapping once; every problem names the mapping file and line. */
export function compileInputMapping<K extends InputKind>(file: string, expected?: K): InputMapping<K> {
  const y = readYaml(file, "mapping_invalid");
  const m = parseWith(y, inputMappingSchema, "mapping_invalid");
  const problems: string[] = [];
  if (expected && m.kind !== expected) problems.push(problemAt(y, ["kind"], `this place needs a mapping of kind ${expected}, this one is ${m.kind}`));
  const format = formatOrProblem(y, m.format, problems);
  extraKeys(y, ["kind", "format", "description", "fields", m.format], problems);
  const readerOptions = format ? formatOptions(y, format, format.readerOptions, problems) : undefined;

  const canonical: Record<string, CanonicalField> = INPUT_KINDS[m.kind];
  const columns: string[] = [];
  const fields: CompiledField[] = [];
  for (const [name, spec] of Object.entries(m.fields)) {
    const path = ["fields", name];
    const c = canonical[name];
    if (!c) {
      problems.push(problemAt(y, ["fields"], `${m.kind} records have no field ${JSON.stringify(name)} (fields: ${Object.keys(canonical).join(", ")})`, name));
      continue;
    }
    const convert = converterFor(y, path, c, spec, problems);
    const prepare = (raw: string) => {
      let t = spec.trim ? raw.trim() : raw;
      if (spec.case === "upper") t = t.toUpperCase();
      else if (spec.case === "lower") t = t.toLowerCase();
      return t;
    };
    let constant: Value | undefined;
    if (spec.constant !== undefined) {
      const r = convert(prepare(String(spec.constant)));
      if (r.ok) constant = r.value;
      else problems.push(problemAt(y, [...path, "constant"], r.reason));
    }
    const defaultText = spec.default === undefined ? undefined : prepare(String(spec.default));
    if (defaultText !== undefined && !convert(defaultText).ok) problems.push(problemAt(y, [...path, "default"], "default is not a valid value for this field"));
    const sources = spec.column === undefined ? [] : typeof spec.column === "string" ? [spec.column] : spec.column;
    const column: number[] = [];
    sources.forEach((src, i) => {
      const bad = format?.checkColumn && readerOptions !== undefined ? format.checkColumn(src, readerOptions) : undefined;
      if (bad) problems.push(problemAt(y, typeof spec.column === "string" ? [...path, "column"] : [...path, "column", i], bad));
      column.push(columns.length);
      columns.push(src);
    });
    fields.push({ name, canonical: c, column, columnName: sources.join(" + ") || undefined, constant, defaultText, prepare, convert });
  }
  for (const [name, c] of Object.entries(canonical)) {
    if (c.required && !m.fields[name]) problems.push(problemAt(y, ["fields"], `required field ${JSON.stringify(name)} is not mapped`));
  }
  if (problems.length > 0 || !format) fail(problems);

  const kind = m.kind as K;
  return {
    file,
    kind,
    format,
    readerOptions,
    columns,
    checkColumns(present) {
      const out: string[] = [];
      for (const f of fields) {
        if (f.column.length === 0 || f.column.every((i) => present[i])) continue;
        if (f.canonical.required && f.defaultText === undefined) out.push(`required column "${f.columnName}" (field ${f.name}) is missing from the header`);
      }
      return out;
    },
    map(row, sourceFile) {
      const record: Record<string, Value> = {};
      const errors: RecordError[] = [];
      for (const f of fields) {
        if (f.column.length === 0) {
          record[f.name] = f.constant ?? null;
          continue;
        }
        const raw = joined(row.values, f.column);
        const line = row.valueLines?.[f.column[0]] ?? row.line;
        let text = raw === undefined ? "" : f.prepare(raw);
        if (text === "" && f.defaultText !== undefined) text = f.defaultText;
        if (text === "") {
          if (f.canonical.required) errors.push({ file: sourceFile, line, field: f.columnName!, value: raw ?? "", reason: `${f.name} is required and empty` });
          record[f.name] = null;
          continue;
        }
        const r = f.convert(text);
        if (r.ok) record[f.name] = r.value;
        else errors.push({ file: sourceFile, line, field: f.columnName!, value: raw ?? "", reason: r.reason });
      }
      for (const [name] of Object.entries(canonical)) if (!(name in record)) record[name] = null;
      if (row.problem) errors.unshift({ file: sourceFile, line: row.line, field: "(line)", value: "", reason: row.problem });
      if (errors.length > 0) {
        const sku = typeof record.sku === "string" ? record.sku : undefined;
        return { errors: errors.map((e) => (sku ? { ...e, sku } : e)) };
      }
      return { record: record as CanonicalRecord<K> };
    },
  };
}

/** Loads and compiles a cart output mapping once. */
export function compileOutputMapping(file: string): OutputMapping {
  const y = readYaml(file, "mapping_invalid");
  const m = parseWith(y, outputMappingSchema, "mapping_invalid");
  const problems: string[] = [];
  const format = formatOrProblem(y, m.format, problems);
  extraKeys(y, ["kind", "format", "description", "columns", m.format], problems);
  const writerOptions = format ? formatOptions(y, format, format.writerOptions, problems) : undefined;
  const getters: Array<(r: Record<OutputField, string | number>) => string> = [];
  m.columns.forEach((c, i) => {
    const badTarget = format?.checkTarget && writerOptions !== undefined ? format.checkTarget(c.header, writerOptions) : undefined;
    if (badTarget) problems.push(problemAt(y, ["columns", i, "header"], badTarget));
    if (c.field !== undefined) {
      if (!(c.field in OUTPUT_FIELDS)) {
        problems.push(problemAt(y, ["columns", i, "field"], `unknown field ${JSON.stringify(c.field)} (fields: ${Object.keys(OUTPUT_FIELDS).join(", ")})`));
        return;
      }
      const field = c.field as OutputField;
      getters.push((r) => String(r[field]));
    } else {
      const value = String(c.constant);
      getters.push(() => value);
    }
  });
  if (!m.columns.some((c) => c.field === "quantity")) problems.push(problemAt(y, ["columns"], "a cart file needs a column with field: quantity"));
  if (!m.columns.some((c) => c.field === "code" || c.field === "sku")) problems.push(problemAt(y, ["columns"], "a cart file needs a column with field: code (or sku)"));
  if (problems.length > 0 || !format) fail(problems);
  return {
    file,
    text: y.text,
    format,
    writerOptions,
    headers: m.columns.map((c) => c.header),
    row: (r) => getters.map((g) => g(r)),
  };
}

