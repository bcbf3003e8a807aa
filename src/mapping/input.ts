/**
 * Input mappings: each field compiled once (its columns, converter, default, unit, divisor),
 * then the per-row apply, a plain function over a row's values (the hot path of every load).
 */
import type { RecordError } from "../errors.js";
import { MAX_QUANTITY } from "../domain/quantity.js";
import type { FormatDefinition, SourceRow } from "../formats/index.js";
import { readYaml, parseWith, problemAt, type LocatedYaml } from "../config/yaml.js";
import { INPUT_KINDS, type CanonicalField, type CanonicalRecord, type InputKind } from "./kinds.js";
import { shownValue, type InputLimits } from "./limits.js";
import { inputMappingSchema, type FieldSpec, type VariantsSpec } from "./schema.js";
import {
  converterFor,
  conversion,
  divided,
  roundedDecimal,
  DECIMAL,
  type Converter,
  type Value,
} from "./converters.js";
import { extraKeys, fail, formatOptions, formatOrProblem } from "./common.js";

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
  /** list fields: the separator inside one cell */
  split: string | undefined;
  /** decimals divided by another column's number (index into the columns) */
  divisorColumn: number | undefined;
  /** measures whose unit another column names (index into the columns) */
  unitColumn: number | undefined;
  /** booleans: yes when the cell has a value */
  filled: boolean;
  /** several columns: the first with a value */
  firstFilled: boolean;
  /** a source holding several values for it (X12: two QTY*33 in a LIN loop): add them up, or take the first */
  combine: "sum" | "first" | undefined;
  /** whole numbers counted in a unit another column names, with each unit's multiplier */
  perUnit: { column: number; factors: Map<string, number>; whenMissing?: number } | undefined;
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
  /**
   * One row to a canonical record (with warnings about advisory values left empty), or the
   * rejects of that line with what could be read of it.
   */
  map(
    row: SourceRow,
    file: string,
  ):
    | { record: CanonicalRecord<K>; warnings?: RecordError[] }
    | { errors: RecordError[]; partial: Partial<CanonicalRecord<K>> };
  /** catalogs of variants: how rows share a product's values */
  variants?: VariantsSpec;
  /** the source column(s) a canonical field is read from, as rejects name them */
  columnOf(field: string): string | undefined;
  /** how long a line, header, value or code may be */
  limits: InputLimits;
}

/** The values a field reads: each column's text (a list where the source holds several), in column order. */
function valuesAt(values: ReadonlyArray<string | string[] | undefined>, at: number[]): string[] {
  const out: string[] = [];
  for (const i of at) {
    const v = values[i];
    if (v === undefined) continue;
    if (typeof v === "string") out.push(v);
    else out.push(...v);
  }
  return out;
}

/** The value of one source column, or of several joined with a space (empty ones left out). */
function joined(values: ReadonlyArray<string | string[] | undefined>, at: number[]): string | string[] | undefined {
  if (at.length === 1) {
    const v = values[at[0]];
    return Array.isArray(v) && v.length === 1 ? v[0] : v;
  }
  if (at.some((i) => Array.isArray(values[i]) && values[i]!.length > 1)) return valuesAt(values, at);
  const parts = valuesAt(values, at).filter((v) => v.trim() !== "");
  return parts.length === 0 ? undefined : parts.map((p) => p.trim()).join(" ");
}

/**
 * A list field's values: every column's values, split, prepared and renamed; empty ones dropped (then the default's).
 */
function readList(
  f: CompiledField,
  values: ReadonlyArray<string | string[] | undefined>,
  file: string,
  line: number,
  errors: RecordError[],
  limits: InputLimits,
): string[] {
  const items = (texts: string[]) =>
    texts
      .flatMap((v) => (f.split === undefined ? [v] : v.split(f.split)))
      .map(f.prepare)
      .filter((t) => t !== "");
  let texts = items(valuesAt(values, f.column));
  if (texts.length === 0 && f.defaultText !== undefined) texts = items([f.defaultText]);
  const out: string[] = [];
  for (const t of texts) {
    const tooLong = lengthProblem(f, t, limits);
    if (tooLong) {
      errors.push({ file, line, field: f.columnName!, value: shownValue(t), reason: tooLong });
      continue;
    }
    const r = f.convert(t);
    if (r.ok) out.push(...(r.value as string[]).filter((x) => x !== ""));
    else errors.push({ file, line, field: f.columnName!, value: t, reason: r.reason });
  }
  return out;
}

function checkVariants(y: LocatedYaml, kind: InputKind, v: VariantsSpec, problems: string[]): void {
  if (kind !== "catalog") {
    problems.push(problemAt(y, ["variants"], "only catalog mappings have variants"));
    return;
  }
  const fields: Record<string, CanonicalField> = INPUT_KINDS.catalog;
  const check = (key: string, name: string, at: (string | number)[], list = false) => {
    if (!Object.hasOwn(fields, name))
      problems.push(problemAt(y, at, `${key}: catalog records have no field ${JSON.stringify(name)}`));
    else if (list && fields[name].type !== "list")
      problems.push(problemAt(y, at, `${key}: ${name} is not a list field`));
    else if (name === "sku" && key !== "groupBy")
      problems.push(problemAt(y, at, `${key}: a variant never takes its product's SKU`));
  };
  if (v.groupBy !== undefined) check("groupBy", v.groupBy, ["variants", "groupBy"]);
  if (v.parent !== undefined) check("parent", v.parent, ["variants", "parent"]);
  v.inherit.forEach((n, i) => check("inherit", n, ["variants", "inherit", i]));
  v.collect.forEach((n, i) => check("collect", n, ["variants", "collect", i], true));
}

/** Loads and compiles an input mapping once; every problem names the mapping file and line. */
export function compileInputMapping<K extends InputKind>(file: string, expected?: K): InputMapping<K> {
  const y = readYaml(file, "mapping_invalid");
  const m = parseWith(y, inputMappingSchema, "mapping_invalid");
  const problems: string[] = [];
  if (expected && m.kind !== expected)
    problems.push(problemAt(y, ["kind"], `this place needs a mapping of kind ${expected}, this one is ${m.kind}`));
  const format = formatOrProblem(y, m.format, problems);
  extraKeys(y, ["kind", "format", "description", "fields", "variants", "limits", m.format], problems);
  const readerOptions = format ? formatOptions(y, format, format.readerOptions, problems) : undefined;

  const canonical: Record<string, CanonicalField> = INPUT_KINDS[m.kind];
  const columns: string[] = [];
  const at: FieldContext = { y, kind: m.kind, canonical, format, readerOptions, columns, problems };
  const fields = Object.entries(m.fields).flatMap(([name, spec]) => compileField(name, spec, at) ?? []);
  for (const [name, c] of Object.entries(canonical)) {
    if (c.required && !m.fields[name])
      problems.push(problemAt(y, ["fields"], `required field ${JSON.stringify(name)} is not mapped`));
  }
  if (m.variants) checkVariants(y, m.kind, m.variants, problems);
  if (problems.length > 0 || !format) fail(problems);

  const kind = m.kind as K;
  const names = Object.keys(canonical);
  return {
    file,
    kind,
    format,
    readerOptions,
    columns,
    variants: m.variants,
    limits: m.limits,
    columnOf: (name) => fields.find((f) => f.name === name)?.columnName,
    checkColumns(present) {
      const out: string[] = [];
      for (const f of fields) {
        if (f.column.length === 0 || f.column.every((i) => present[i])) continue;
        if (f.canonical.required && f.defaultText === undefined)
          out.push(`required column "${f.columnName}" (field ${f.name}) is missing from the header`);
      }
      return out;
    },
    map: (row, sourceFile) => mapRecord<K>({ fields, names, columns, limits: m.limits }, row, sourceFile),
  };
}

/** What compiling one field needs of its mapping: the YAML (for problems' lines), the format, the columns so far. */
interface FieldContext {
  y: LocatedYaml;
  kind: InputKind;
  canonical: Record<string, CanonicalField>;
  format: FormatDefinition | undefined;
  readerOptions: unknown;
  /** the columns the reader is asked for: a field's are appended */
  columns: string[];
  problems: string[];
}

/** One field of an input mapping, compiled; undefined (with a problem) when its kind has no such field. */
function compileField(name: string, spec: FieldSpec, at: FieldContext): CompiledField | undefined {
  const { y, problems } = at;
  const path = ["fields", name];
  const c = at.canonical[name];
  if (!c) {
    const known = Object.keys(at.canonical).join(", ");
    problems.push(
      problemAt(y, ["fields"], `${at.kind} records have no field ${JSON.stringify(name)} (fields: ${known})`, name),
    );
    return undefined;
  }
  checkFieldOptions(y, path, c, spec, problems);
  const convert = fieldConverter(y, path, c, spec, problems);
  const prepare = preparer(spec);
  let constant: Value | undefined;
  if (spec.constant !== undefined) {
    const r = convert(prepare(String(spec.constant)));
    if (r.ok) constant = r.value;
    else problems.push(problemAt(y, [...path, "constant"], r.reason));
  }
  const defaultText = spec.default === undefined ? undefined : prepare(String(spec.default));
  if (defaultText !== undefined && !convert(defaultText).ok)
    problems.push(problemAt(y, [...path, "default"], "default is not a valid value for this field"));
  return {
    name,
    canonical: c,
    ...fieldColumns(spec, c, path, at),
    constant,
    defaultText,
    prepare,
    convert,
    split: spec.split,
    filled: spec.filled === true,
    firstFilled: spec.firstFilled === true,
    combine: spec.combine,
  };
}

/** Options the field's type does not take are problems. */
function checkFieldOptions(
  y: LocatedYaml,
  path: string[],
  c: CanonicalField,
  spec: FieldSpec,
  problems: string[],
): void {
  const refuse = (key: string, why: string) => problems.push(problemAt(y, [...path, key], why));
  if (spec.split !== undefined && c.type !== "list")
    refuse("split", "only list fields (tags, categories, imageUrls, attributeNames, attributeValues) take split");
  if (spec.unit !== undefined && !c.unit)
    refuse("unit", "only measure fields (weight, length, width, height) take a unit");
  if (spec.divideBy !== undefined && c.type !== "decimal") refuse("divideBy", "only decimal fields take divideBy");
  if (spec.perUnit && c.type !== "integer") refuse("perUnit", "only whole-number fields (quantities) take perUnit");
  if (spec.filled && c.type !== "boolean") refuse("filled", "only yes/no fields take filled");
  if (spec.combine === "sum" && c.type !== "integer" && c.type !== "decimal")
    refuse("combine", "only number fields (quantities, decimals) can be summed");
}

/** The field's converter: its type's, behind the mapping's pattern when it has one. */
function fieldConverter(
  y: LocatedYaml,
  path: string[],
  c: CanonicalField,
  spec: FieldSpec,
  problems: string[],
): Converter {
  const convert = converterFor(y, path, c, spec, problems);
  if (spec.pattern === undefined) return convert;
  let re: RegExp;
  try {
    re = new RegExp(spec.pattern);
  } catch (e) {
    problems.push(problemAt(y, [...path, "pattern"], `not a regular expression: ${(e as Error).message}`));
    return convert;
  }
  const shown = spec.pattern;
  return (t) => {
    const m = re.exec(t);
    return m ? convert(m[1] ?? m[0]) : { ok: false, reason: `does not match the pattern ${shown}` };
  };
}

/** A cell's text as the field reads it: trimmed, cased, as the mapping says. */
function preparer(spec: FieldSpec): (raw: string) => string {
  return (raw) => {
    const t = spec.trim ? raw.trim() : raw;
    return spec.case === "upper" ? t.toUpperCase() : spec.case === "lower" ? t.toLowerCase() : t;
  };
}

/**
 * The field's columns, and those of its unit, divisor and pack size, appended to the mapping's, each checked by the
 * format.
 */
function fieldColumns(
  spec: FieldSpec,
  c: CanonicalField,
  path: string[],
  at: FieldContext,
): Pick<CompiledField, "column" | "columnName" | "divisorColumn" | "unitColumn" | "perUnit"> {
  const { y, format, readerOptions, columns, problems } = at;
  const add = (src: string, where: Array<string | number>) => {
    const bad = format?.checkColumn && readerOptions !== undefined ? format.checkColumn(src, readerOptions) : undefined;
    if (bad) problems.push(problemAt(y, where, bad));
    columns.push(src);
    return columns.length - 1;
  };
  const sources = spec.column === undefined ? [] : typeof spec.column === "string" ? [spec.column] : spec.column;
  const column = sources.map((src, i) =>
    add(src, typeof spec.column === "string" ? [...path, "column"] : [...path, "column", i]),
  );
  const divisorColumn =
    typeof spec.divideBy === "object" ? add(spec.divideBy.column, [...path, "divideBy", "column"]) : undefined;
  const unitColumn =
    typeof spec.unit === "object" && c.unit ? add(spec.unit.column, [...path, "unit", "column"]) : undefined;
  const perUnit = spec.perUnit && {
    column: add(spec.perUnit.column, [...path, "perUnit", "column"]),
    factors: new Map(Object.entries(spec.perUnit.factors).map(([u, n]) => [u.toUpperCase(), n])),
    whenMissing: spec.perUnit.whenMissing,
  };
  return { column, columnName: sources.join(" + ") || undefined, divisorColumn, unitColumn, perUnit };
}

/** A compiled input mapping's fields and columns, as mapping a row needs them. */
interface CompiledInput {
  fields: CompiledField[];
  /** every field of the kind: those not mapped are null */
  names: string[];
  columns: string[];
  limits: InputLimits;
}

/** What a row's fields said that is not a value: rejects, and warnings about advisory values left empty. */
interface Said {
  errors: RecordError[];
  warnings?: RecordError[];
}

/** One row to a canonical record (with warnings), or the rejects of its line with what could be read of it. */
function mapRecord<K extends InputKind>(
  m: CompiledInput,
  row: SourceRow,
  sourceFile: string,
): ReturnType<InputMapping<K>["map"]> {
  const record: Record<string, Value> = {};
  const said: Said = { errors: [] };
  for (const f of m.fields) record[f.name] = fieldValue(f, row, sourceFile, m, said);
  for (const name of m.names) if (!(name in record)) record[name] = null;
  const { errors } = said;
  // a rejected line lists its advisory problems too
  if (errors.length > 0 && said.warnings) errors.push(...said.warnings);
  // a line whose shape is wrong (field count, envelope, encoding) is that one reject: its values mean nothing
  if (row.problem)
    errors.splice(0, errors.length, {
      file: sourceFile,
      line: row.line,
      field: "(line)",
      value: "",
      reason: row.problem,
    });
  if (errors.length > 0) {
    // two fields reading one bad cell (weight in kg and in lb) make one reject
    const seen = new Set<string>();
    const once = errors.filter((e) => {
      const k = `${e.line}\u0000${e.field}\u0000${e.value}\u0000${e.reason}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    return {
      errors: once.map((e) => ({ ...e, ...recordKeys(record) })),
      partial: record as Partial<CanonicalRecord<K>>,
    };
  }
  const warnings = said.warnings?.map((w) => ({ ...w, ...recordKeys(record) }));
  return warnings ? { record: record as CanonicalRecord<K>, warnings } : { record: record as CanonicalRecord<K> };
}

/** One field's value in a row, or null with what was wrong said in `said`. */
function fieldValue(f: CompiledField, row: SourceRow, file: string, m: CompiledInput, said: Said): Value {
  if (f.column.length === 0) return f.constant ?? null;
  const line = row.valueLines?.[f.column[0]] ?? row.line;
  if (f.canonical.type === "list") {
    const list = readList(f, row.values, file, line, said.errors, m.limits);
    return list.length > 0 ? list : null;
  }
  let raw = f.firstFilled
    ? f.column.map((i) => joined(row.values, [i])).find((v) => v !== undefined && (Array.isArray(v) || v.trim() !== ""))
    : joined(row.values, f.column);
  if (Array.isArray(raw) && f.combine === "first") raw = raw[0];
  if (Array.isArray(raw) && f.combine === "sum") {
    const sum = sumOf(f, raw.map(f.prepare));
    if ("reason" in sum) refuse(said, file, line, f.columnName!, shownValue(sum.value), sum.reason);
    return "value" in sum && !("reason" in sum) ? sum.value : null;
  }
  if (Array.isArray(raw)) {
    const why = `${raw.length} values where ${f.name} takes one (the mapping may say combine: sum, or pick one with a where clause)`;
    refuse(said, file, line, f.columnName!, raw.join(" | "), why);
    return null;
  }
  let text = raw === undefined ? "" : f.prepare(raw);
  const tooLong = lengthProblem(f, text, m.limits);
  if (tooLong) {
    const e: RecordError = { file, line, field: f.columnName!, value: shownValue(text), reason: tooLong };
    if (f.canonical.advisory) (said.warnings ??= []).push({ ...e, severity: "warning" });
    else said.errors.push(e);
    return null;
  }
  if (f.filled) return text !== "";
  if (text === "" && f.defaultText !== undefined) text = f.defaultText;
  if (text === "") {
    if (f.canonical.required) refuse(said, file, line, f.columnName!, raw ?? "", `${f.name} is required and empty`);
    return null;
  }
  const r = f.convert(text);
  if (r.ok && f.unitColumn === undefined && !f.perUnit && f.divisorColumn === undefined) return r.value;
  if (r.ok) return scaled(f, r.value, row, m.columns, { said, file, line });
  if (!f.canonical.advisory) refuse(said, file, line, f.columnName!, shownValue(raw ?? ""), r.reason);
  else {
    const reason = `${r.reason}; left empty, the line still loads (${f.name} is shown only)`;
    (said.warnings ??= []).push({
      file,
      line,
      field: f.columnName!,
      value: shownValue(raw ?? ""),
      reason,
      severity: "warning",
    });
  }
  return null;
}

/** A value in the field's own terms: from another column's unit, per pack, or divided by another column. */
function scaled(
  f: CompiledField,
  read: Value,
  row: SourceRow,
  columns: string[],
  at: { said: Said; file: string; line: number },
): Value {
  const reject = (field: string, value: string, reason: string) =>
    refuse(at.said, at.file, at.line, field, value, reason);
  let value = read;
  if (f.unitColumn !== undefined) {
    const unit = joined(row.values, [f.unitColumn]);
    const factor =
      typeof unit === "string"
        ? conversion(f.canonical, unit.trim().toLowerCase())
        : `no unit in ${columns[f.unitColumn]}`;
    if (typeof factor === "string") reject(columns[f.unitColumn], String(unit ?? ""), factor);
    else value = roundedDecimal(Number(value) * factor, 4);
  }
  if (f.perUnit) {
    const units = inSingleUnits(f, f.perUnit, Number(value), joined(row.values, [f.perUnit.column]));
    if (typeof units === "number") value = units;
    else reject(columns[f.perUnit.column], units.value, units.reason);
  }
  if (f.divisorColumn === undefined) return value;
  const by = joined(row.values, [f.divisorColumn]);
  const d = typeof by === "string" && DECIMAL.test(by.trim()) ? Number(by) : NaN;
  if (d > 0) return divided(Number(value), d);
  reject(columns[f.divisorColumn], String(by ?? ""), "the divisor is not a positive number");
  return null;
}

/** Records a reject of the line (this runs per cell: a plain function, no closure). */
function refuse(said: Said, file: string, line: number, field: string, value: string, reason: string): void {
  said.errors.push({ file, line, field, value, reason });
}

/** A quantity counted in packs or cases, in single units (rule 3: the product stays a whole number, bounded). */
function inSingleUnits(
  f: CompiledField,
  p: NonNullable<CompiledField["perUnit"]>,
  n: number,
  unitValue: string | string[] | undefined,
): number | { value: string; reason: string } {
  const unit = typeof unitValue === "string" ? unitValue.trim().toUpperCase() : "";
  const factor = unit === "" ? p.whenMissing : p.factors.get(unit);
  if (factor === undefined) {
    const known = [...p.factors.keys()].join(", ");
    return unit === ""
      ? {
          value: "",
          reason: `no unit of measure for ${f.name}, and the mapping gives none for a missing one (perUnit.whenMissing)`,
        }
      : { value: unit, reason: `unit of measure ${unit} has no multiplier in the mapping (perUnit.factors: ${known})` };
  }
  const total = n * factor;
  if (Math.abs(total) > MAX_QUANTITY)
    return {
      value: String(n),
      reason: `${n} ${unit} is beyond the limit of ${MAX_QUANTITY.toLocaleString("en-US")} units`,
    };
  return total;
}

/** Several values of one field added up (combine: sum): whole numbers stay exact and bounded (rule 3). */
function sumOf(f: CompiledField, texts: string[]): { value: number | string } | { value: string; reason: string } {
  let total = 0;
  for (const t of texts) {
    const r = t === "" ? { ok: false as const, reason: `${f.name} is empty` } : f.convert(t);
    if (!r.ok) return { value: t, reason: `${r.reason} (one of ${texts.length} values summed)` };
    total += Number(r.value);
  }
  if (f.canonical.type === "integer" && Math.abs(total) > MAX_QUANTITY) {
    return {
      value: texts.join(" + "),
      reason: `the ${texts.length} values add up beyond the limit of ${MAX_QUANTITY.toLocaleString("en-US")} units`,
    };
  }
  return { value: f.canonical.type === "decimal" ? roundedDecimal(total, 4) : total };
}

/** Why a value is too long for its field (a code's limit is tighter), or undefined. */
function lengthProblem(f: CompiledField, text: string, limits: InputLimits): string | undefined {
  const [max, key] = f.canonical.code
    ? [limits.maxCodeLength, "maxCodeLength"]
    : [limits.maxFieldLength, "maxFieldLength"];
  if (text.length <= max) return undefined;
  return `${f.name} is ${text.length} characters, more than the mapping's limits.${key} (${max})`;
}

/** What names a record in its rejects: its SKU, and an order line's order id, where they could be read. */
function recordKeys(record: Record<string, Value>): Pick<RecordError, "sku" | "orderId"> {
  const keys: Pick<RecordError, "sku" | "orderId"> = {};
  if (typeof record.sku === "string" && record.sku !== "") keys.sku = record.sku;
  if (typeof record.orderId === "string" && record.orderId !== "") keys.orderId = record.orderId;
  return keys;
}
