/**
 * A compiled input mapping applied to a file's rows: each row becomes a canonical record or
 * the rejects of its line; a catalog's variant rows are assembled into products.
 */
import type { RecordError } from "../errors.js";
import type { SourceRow } from "../formats/types.js";
import type { InputMapping } from "./compile.js";
import type { CanonicalRecord, InputKind } from "./kinds.js";
import type { VariantsSpec } from "./schema.js";

/** One mapped row: a record (with warnings about advisory values left empty), or the rejects of its line. */
export type Mapped<K extends InputKind> =
  { line: number; record: CanonicalRecord<K>; warnings?: RecordError[] } | { line: number; errors: RecordError[] };

export type Product = CanonicalRecord<"catalog">;
type Fields = Record<string, unknown>;

interface Row {
  line: number;
  fields: Fields;
  errors?: RecordError[];
  warnings?: RecordError[];
}

/**
 * Every row of a file through its mapping. A catalog is then assembled into products:
 * variants take their product's shared values, rows without a SKU are reported (never given
 * one), and a SKU listed twice with different data is a conflict: reported, the first kept.
 */
export async function* mapRows<K extends InputKind>(
  mapping: InputMapping<K>,
  rows: AsyncIterable<SourceRow>,
  file: string,
): AsyncGenerator<Mapped<K>> {
  if (mapping.kind !== "catalog") {
    for await (const row of rows) yield mapRow(mapping, row, file);
    return;
  }
  const mapped = (async function* () {
    for await (const row of rows) {
      const m = mapping.map(row, file);
      yield "record" in m
        ? { line: row.line, fields: m.record as Fields, warnings: m.warnings }
        : { line: row.line, fields: m.partial as Fields, errors: m.errors };
    }
  })();
  const v = mapping.variants;
  const assembled = !v
    ? mapped
    : v.groupBy !== undefined
      ? groupedVariants(mapped, v, v.groupBy, file)
      : parentVariants(mapped, v, v.parent!, file);
  yield* firstOfEachSku(assembled, file) as AsyncGenerator<Mapped<K>>;
}

/** One row of a kind whose rows are records each (not a catalog: no assembly across rows). */
export function mapRow<K extends InputKind>(mapping: InputMapping<K>, row: SourceRow, file: string): Mapped<K> {
  const m = mapping.map(row, file);
  if (!("record" in m)) return { line: row.line, errors: m.errors };
  return m.warnings ? { line: row.line, record: m.record, warnings: m.warnings } : { line: row.line, record: m.record };
}

const empty = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

function noSku(r: Row, file: string, why = ""): RecordError[] {
  const other = (r.errors ?? []).filter((e) => !SKU_EMPTY.test(e.reason));
  const values = Array.isArray(r.fields.attributeValues) ? ` ${r.fields.attributeValues.join(" / ")}` : "";
  const name = typeof r.fields.name === "string" ? ` (${r.fields.name}${values})` : "";
  return [
    {
      file,
      line: r.line,
      field: "sku",
      value: "",
      reason: `product without a SKU${name}${why}: reported and skipped, never given an invented one`,
    },
    ...other,
  ];
}

const SKU_EMPTY = /^sku is required/;

function asMapped(r: Row, file: string): Mapped<"catalog"> {
  if (r.errors)
    return { line: r.line, errors: r.errors.some((e) => SKU_EMPTY.test(e.reason)) ? noSku(r, file) : r.errors };
  return r.warnings
    ? { line: r.line, record: r.fields as Product, warnings: r.warnings }
    : { line: r.line, record: r.fields as Product };
}

function inherit(r: Row, from: Fields, v: VariantsSpec): void {
  for (const f of v.inherit) if (empty(r.fields[f]) && !empty(from[f])) r.fields[f] = from[f];
}

/** Values of the collect fields over rows, in row order, each once. */
function collected(rows: Row[], v: VariantsSpec): Fields {
  const out: Fields = {};
  for (const f of v.collect) {
    const seen = new Set<string>();
    for (const r of rows) for (const x of (r.fields[f] as string[] | null) ?? []) seen.add(x);
    out[f] = seen.size > 0 ? [...seen] : null;
  }
  return out;
}

/**
 * Shopify: rows sharing a handle, one after the other, are one product. The first row
 * holds the product's values; each variant row takes those it leaves empty; a row with no
 * SKU and nothing but collected values (an image row) adds them to every variant.
 */
async function* groupedVariants(
  rows: AsyncIterable<Row>,
  v: VariantsSpec,
  key: string,
  file: string,
): AsyncGenerator<Mapped<"catalog">> {
  let group: Row[] = [];
  const extra = new Set([key, ...v.collect]);
  const flush = function* (): Generator<Mapped<"catalog">> {
    if (group.length === 0) return;
    const base = group[0].fields;
    const gathered = collected(group, v);
    for (const r of group) {
      // (a yes/no read with `filled` says no for an empty cell: that is not data either)
      const imageRow =
        empty(r.fields.sku) &&
        r !== group[0] &&
        Object.entries(r.fields).every(([k, x]) => extra.has(k) || empty(x) || x === false);
      if (imageRow) continue;
      if (r !== group[0]) inherit(r, base, v);
      if (!r.errors) Object.assign(r.fields, gathered);
      yield asMapped(r, file);
    }
    group = [];
  };
  for await (const r of rows) {
    const k = r.fields[key];
    if (group.length > 0 && (empty(k) || k !== group[0].fields[key])) yield* flush();
    group.push(r);
  }
  yield* flush();
}

/**
 * WooCommerce: a variation names its parent (by id or SKU). The parent row holds the shared
 * values and is not a product itself (a WMS stocks the variations); each variation takes the
 * values it leaves empty, and its parentId becomes the parent's productId. The whole file is
 * read first, since a parent may come after its variations.
 */
async function* parentVariants(
  rows: AsyncIterable<Row>,
  v: VariantsSpec,
  parentField: string,
  file: string,
): AsyncGenerator<Mapped<"catalog">> {
  const all: Row[] = [];
  for await (const r of rows) all.push(r);
  const byId = new Map<unknown, Row>();
  const bySku = new Map<unknown, Row>();
  for (const r of all) {
    if (!empty(r.fields.productId) && !byId.has(r.fields.productId)) byId.set(r.fields.productId, r);
    if (!empty(r.fields.sku) && !bySku.has(r.fields.sku)) bySku.set(r.fields.sku, r);
  }
  const parents = new Set<Row>();
  const parentOf = new Map<Row, Row>();
  for (const r of all) {
    const p = r.fields[parentField];
    if (empty(p)) continue;
    const parent = byId.get(p) ?? bySku.get(p);
    if (parent && parent !== r) {
      parents.add(parent);
      parentOf.set(r, parent);
    }
  }
  for (const r of all) {
    if (parents.has(r)) continue;
    const parent = parentOf.get(r);
    if (parent) {
      inherit(r, parent.fields, v);
      if (!r.errors && !empty(parent.fields.productId)) r.fields[parentField] = parent.fields.productId;
      if (!r.errors) Object.assign(r.fields, collected([parent, r], v));
    }
    yield asMapped(r, file);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Rule: one product per SKU. A repeat with the same data is dropped; with different data it is a conflict, the first
 * kept.
 */
async function* firstOfEachSku(
  items: AsyncIterable<Row | Mapped<"catalog">>,
  file: string,
): AsyncGenerator<Mapped<"catalog">> {
  const first = new Map<string, { line: number; record: Fields }>();
  for await (const item of items) {
    const m = "fields" in item ? asMapped(item, file) : item;
    if ("errors" in m) {
      yield m;
      continue;
    }
    const earlier = first.get(m.record.sku);
    if (!earlier) {
      first.set(m.record.sku, { line: m.line, record: m.record });
      yield m;
      continue;
    }
    const differ = Object.keys(m.record).filter((k) => !sameValue(m.record[k as keyof Product], earlier.record[k]));
    if (differ.length === 0) continue;
    yield {
      line: m.line,
      errors: [
        {
          file,
          line: m.line,
          field: "sku",
          value: m.record.sku,
          sku: m.record.sku,
          reason: `duplicate SKU with different ${differ.join(", ")} than line ${earlier.line}: the first is kept`,
        },
      ],
    };
  }
}
