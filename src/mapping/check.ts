import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, type RecordError } from "../errors.js";
import { formats } from "../formats/index.js";
import { withTable, type TableReader } from "../formats/types.js";
import { x12EnvelopeSchema } from "../formats/x12/interchange.js";
import { readYaml } from "../config/yaml.js";
import { mapRows } from "./apply.js";
import { compileInputMapping, compileOutputMapping, type InputMapping, type OutputMapping } from "./compile.js";
import { DETAIL_FIELDS, OUTPUT_KINDS, type InputKind, type OutputKind } from "./kinds.js";

export interface InputCheck {
  mapping: string;
  kind: InputKind;
  format: string;
  columns: string[];
  sample?: SampleRead;
}

interface SampleRead {
  file: string;
  records: Array<{ line: number; record: Record<string, unknown> }>;
  rejects: RecordError[];
}

export interface OutputCheck {
  mapping: string;
  kind: OutputKind;
  format: string;
  targets: string[];
  /** the sample's lines rendered as the cart would receive them */
  rendered?: string;
  leftOut?: Array<{ line: number; reason: string }>;
}

const isOutputKind = (k: unknown): k is OutputKind => (OUTPUT_KINDS as readonly unknown[]).includes(k);

/** An envelope for previews: an X12 mapping can be rendered without a partner's config. */
export const PREVIEW_ENVELOPE = x12EnvelopeSchema.parse({
  sender: { qualifier: "ZZ", id: "SENDER" },
  receiver: { qualifier: "ZZ", id: "RECEIVER" },
  lineBreak: "lf",
});

/** Renders cart records through an output mapping into `file` (previews, golden tests). */
export async function renderCartRecords(
  mapping: OutputMapping,
  records: Array<Record<string, string | number>>,
  file: string,
  options: { now: number; envelope?: typeof PREVIEW_ENVELOPE; firstControl?: number },
): Promise<Array<{ index: number; reason: string }>> {
  const control = options.firstControl ?? 1;
  const writer = await mapping.format.createWriter(file, mapping.headers, mapping.writerOptions, {
    now: options.now,
    plannedRecords: records.length,
    envelope: {
      settings: options.envelope ?? PREVIEW_ENVELOPE,
      reserve: async () => ({ isa: control, gs: control, st: control }),
    },
  });
  const left: Array<{ index: number; reason: string }> = [];
  for (const [index, r] of records.entries()) {
    const reason = await writer.write(mapping.row(r));
    if (reason !== undefined) left.push({ index, reason });
  }
  await writer.close();
  return left;
}

/**
 * Validates a mapping file (every problem with its line) and, with a sample, shows what
 * it makes of it: the canonical records of an input sample with its rejects, or, for a
 * cart mapping, the file a sample of cart lines (a CSV with code, sku, quantity, asOf,
 * available columns) renders to.
 */
export async function checkMapping(
  file: string,
  sample: string | undefined,
  now: number,
): Promise<InputCheck | OutputCheck> {
  const y = readYaml(file, "mapping_invalid");
  const kind = (y.data as { kind?: unknown } | null)?.kind;
  if (isOutputKind(kind)) {
    const m = compileOutputMapping(file);
    const out: OutputCheck = { mapping: file, kind, format: m.format.name, targets: m.headers };
    if (sample && kind === "products")
      throw new ConfigError(
        `${file}: a product file mapping is previewed with stockfeed product-import --cart ID --dry-run (it renders the cart's catalog)`,
        undefined,
        "usage",
      );
    if (sample) {
      const { records, lines } = await readCartSample(sample);
      const dir = mkdtempSync(join(tmpdir(), "stockfeed-check-"));
      try {
        const target = join(dir, "rendered");
        const left = await renderCartRecords(m, records, target, { now });
        out.rendered = readFileSync(target, "utf8");
        out.leftOut = left.map((l) => ({ line: lines[l.index], reason: l.reason }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return out;
  }
  const m = compileInputMapping(file);
  const out: InputCheck = { mapping: file, kind: m.kind, format: m.format.name, columns: m.columns };
  if (sample) {
    const opening = m.format.openTable(sample, m.columns, m.readerOptions, { limits: m.limits });
    out.sample = await withTable(opening, (table) => readSample(m, table, sample));
  }
  return out;
}

/** A cart sample's lines as cart records: the line's own fields, then the product details it has. */
async function readCartSample(
  sample: string,
): Promise<{ records: Array<Record<string, string | number>>; lines: number[] }> {
  const csv = formats.csv;
  const wanted = ["code", "sku", "quantity", "asOf", "available", ...Object.keys(DETAIL_FIELDS)];
  return withTable(csv.openTable(sample, wanted, csv.readerOptions.parse(undefined)), async (table) => {
    if (!table.present[0] && !table.present[1])
      throw new ConfigError(`${sample}: a cart sample needs a code or sku column (and quantity)`, undefined, "usage");
    const records: Array<Record<string, string | number>> = [];
    const lines: number[] = [];
    for await (const row of table.rows) {
      const [code, sku, quantity, asOf, available, ...details] = row.values as Array<string | undefined>;
      const detail = Object.fromEntries(Object.keys(DETAIL_FIELDS).map((k, i) => [k, details[i] ?? ""]));
      records.push({
        ...detail,
        code: code ?? sku ?? "",
        sku: sku ?? code ?? "",
        quantity: quantity ?? "0",
        asOf: asOf ?? "",
        available: available ?? quantity ?? "0",
      });
      lines.push(row.line);
    }
    return { records, lines };
  });
}

async function readSample(m: InputMapping, table: TableReader, sample: string): Promise<SampleRead> {
  const missing = m.checkColumns(table.present);
  if (missing.length > 0)
    throw new ConfigError(
      `${sample}: ${missing.join("; ")}`,
      missing.map((p) => `${sample}: ${p}`),
      "usage",
    );
  const read: SampleRead = { file: sample, records: [], rejects: [] };
  for await (const r of mapRows(m, table.rows, sample)) {
    if ("record" in r) read.records.push({ line: r.line, record: r.record as Record<string, unknown> });
    else read.rejects.push(...r.errors);
  }
  return read;
}
