import { faultPoint } from "../util/fault.js";
import type { Feed } from "../config/load.js";
import { FileUnreadableError, type RecordError } from "../errors.js";
import type { CanonicalRecord, InputKind } from "../mapping/kinds.js";
import type { Store } from "../state/store.js";
import { mapRow, mapRows, type Mapped } from "../mapping/apply.js";
import { withTable, type Interchange, type SourceRow, type TableReader } from "../formats/types.js";
import { asOfProblem } from "../domain/as-of.js";
import { MAX_QUANTITY } from "../domain/quantity.js";
import { isoUtc } from "../util/time.js";
import type { AsOfBounds } from "../config/load.js";

const BATCH = 2000;
/** rejects kept in memory for the run's report; all of them go to the store and the rejects file */
const REPORTED_REJECTS = 20;

export interface LoadTarget {
  fileId: number;
  merchant: string;
  warehouse?: string;
  cart?: string;
  /** rule 13 */
  fullSnapshot?: boolean;
  /** the file's modification time: the as-of of lines that carry none */
  mtime: number;
  now: number;
  /** inventory: rule 14's bounds on a line's as-of */
  asOfBounds?: AsOfBounds;
}

export interface LoadResult {
  rowsRead: number;
  /** inventory: the SKUs loaded (lots summed); other kinds: the records loaded */
  rowsLoaded: number;
  /** the lines that loaded (inventory: several lots of one SKU are several lines) */
  linesLoaded: number;
  rowsRejected: number;
  /** lines that loaded with a warning (rule 1: a bad on-hand value is left empty) */
  rowsWarned: number;
  rowsStale: number;
  rowsZeroed: number;
  applied: number;
  asOf: number | null;
  /** the first rejects, for the report */
  rejects: RecordError[];
  /** the first warnings, for the report */
  warnings: RecordError[];
  /** X12: the interchanges the file held */
  interchanges?: Interchange[];
  /** what the reader noticed that is not a reject (the encoding it chose, bytes ignored at the end) */
  notes?: string[];
}

/**
 * Streams one file through its mapping into the store. The caller holds the transaction:
 * the file is loaded whole or not at all. Bad lines are rejects; the rest loads.
 */
export async function loadFile(
  store: Store,
  feed: Feed,
  path: string,
  displayName: string,
  t: LoadTarget,
): Promise<LoadResult> {
  const mapping = feed.mapping;
  const opening = mapping.format.openTable(path, mapping.columns, mapping.readerOptions, {
    limits: mapping.limits,
    seenInterchange: (i) => store.edi.findReceivedInterchange(i.from, i.to, i.control),
  });
  // a file refused half-read (a missing column, a broken envelope) is released too
  return withTable(opening, (table) => loadTable(store, feed, table, displayName, t));
}

async function loadTable(
  store: Store,
  feed: Feed,
  table: TableReader,
  displayName: string,
  t: LoadTarget,
): Promise<LoadResult> {
  const mapping = feed.mapping;
  const missing = mapping.checkColumns(table.present);
  if (missing.length > 0) throw new FileUnreadableError(missing.join("; "), displayName);

  const result: LoadResult = {
    rowsRead: 0,
    rowsLoaded: 0,
    linesLoaded: 0,
    rowsRejected: 0,
    rowsWarned: 0,
    rowsStale: 0,
    rowsZeroed: 0,
    applied: 0,
    asOf: null,
    rejects: [],
    warnings: [],
  };
  const sink = await sinkFor(store, mapping.kind, t, (field) => mapping.columnOf(field) ?? field, displayName);
  // records, rejects and rejected SKUs gather here and go to the store a batch at a time
  let batch: Array<Lined<unknown>> = [];
  let rejectBatch: RecordError[] = [];
  let rejectedSkus: Array<{ sku: string; line: number }> = [];
  const full = () => batch.length >= BATCH || rejectBatch.length >= BATCH;
  const flush = async () => {
    if (batch.length) await sink.add(batch);
    if (rejectedSkus.length) await sink.rejectedSkus(rejectedSkus);
    if (rejectBatch.length) await store.ledger.addRejects(t.fileId, rejectBatch);
    [batch, rejectBatch, rejectedSkus] = [[], [], []];
  };
  const report = (errors: RecordError[], shown: RecordError[]) => {
    if (shown.length < REPORTED_REJECTS) shown.push(...errors.slice(0, REPORTED_REJECTS - shown.length));
    rejectBatch.push(...errors);
  };
  const reject = (line: number, errors: RecordError[]) => {
    result.rowsRejected++;
    report(errors, result.rejects);
    if (errors[0].sku) rejectedSkus.push({ sku: errors[0].sku, line });
  };
  const take = (mapped: Mapped<InputKind>) => {
    if ("errors" in mapped) return reject(mapped.line, mapped.errors);
    const vetted = sink.vet?.(mapped.record, mapped.line);
    if (vetted) return reject(mapped.line, mapped.warnings ? [vetted, ...mapped.warnings] : [vetted]);
    if (mapped.warnings) {
      result.rowsWarned++;
      report(mapped.warnings, result.warnings);
    }
    batch.push({ record: mapped.record, line: mapped.line });
  };
  if (mapping.kind === "catalog") {
    // products are assembled across rows (variants), row by row
    const counted = (async function* () {
      for await (const row of table.rows) {
        faultPoint("load:mid-parse");
        result.rowsRead++;
        yield row;
      }
    })();
    for await (const mapped of mapRows(mapping, counted, displayName)) {
      take(mapped);
      if (full()) await flush();
    }
  } else {
    // a record per row: mapped a chunk at a time, without an await per row
    for await (const rows of table.batches ?? inBatches(table.rows)) {
      for (const row of rows) {
        faultPoint("load:mid-parse");
        result.rowsRead++;
        take(mapRow(mapping, row, displayName));
        // an await only when a batch is full: a reader's chunk may hold many batches
        if (full()) await flush();
      }
    }
  }
  await flush();
  Object.assign(result, await sink.finish(result));
  if (table.notes?.length) result.notes = table.notes;
  if (table.interchanges) {
    result.interchanges = table.interchanges;
    for (const i of table.interchanges) {
      // a rejected interchange is not "received": the partner's corrected resend may carry its control number
      if (i.duplicateOf || i.problem) continue;
      await store.edi.recordReceivedInterchange(i.from, i.to, i.control, t.fileId);
    }
  }
  return result;
}

async function* inBatches(rows: AsyncIterable<SourceRow>, size = 1000): AsyncGenerator<SourceRow[]> {
  let batch: SourceRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** a canonical record and the line it came from */
interface Lined<R> {
  record: R;
  line: number;
}

interface Sink {
  /** a record the mapping read but the kind's rules refuse (rule 14's as-of bounds) */
  vet?(record: unknown, line: number): RecordError | undefined;
  add(records: Array<Lined<unknown>>): Promise<void>;
  /** SKUs of rejected lines, in line order (rule 3 holds back their other lines) */
  rejectedSkus(seen: Array<{ sku: string; line: number }>): Promise<void>;
  /** applies what was staged; `sofar` has the counts and first rejects of the lines read */
  finish(sofar: LoadResult): Promise<Partial<LoadResult>>;
}

/** Column names for rejects, and the file they are in. */
type ColumnOf = (field: string) => string;

async function sinkFor(store: Store, kind: InputKind, t: LoadTarget, columnOf: ColumnOf, file: string): Promise<Sink> {
  switch (kind) {
    case "inventory": {
      await store.inventory.clearInventoryStage();
      const bounds = t.asOfBounds;
      return {
        vet(record, line) {
          const r = record as CanonicalRecord<"inventory">;
          const problem = r.asOf !== null && bounds ? asOfProblem(r.asOf, { takenAt: t.now, ...bounds }) : undefined;
          if (!problem) return undefined;
          return { file, line, field: columnOf("asOf"), value: isoUtc(r.asOf!), reason: problem, sku: r.sku };
        },
        async add(records) {
          await store.inventory.stageInventory(
            (records as Array<Lined<CanonicalRecord<"inventory">>>).map(({ record: r, line }) => ({
              sku: r.sku,
              available: r.available,
              onHand: r.onHand,
              asOf: r.asOf ?? t.mtime,
              writtenAsOf: r.asOf,
              line,
            })),
          );
        },
        rejectedSkus: (seen) => store.inventory.stageSeenSkus(seen),
        finish: (sofar) => finishInventory(store, t, sofar, columnOf("sku"), file),
      };
    }
    case "orders": {
      await store.inventory.clearOrderStage();
      let staged = 0;
      return {
        async add(records) {
          staged += records.length;
          await store.inventory.stageOrders(
            (records as Array<Lined<CanonicalRecord<"orders">>>).map(({ record: r, line }) => ({
              orderId: r.orderId,
              line: r.line ?? 1,
              sku: r.sku,
              quantity: r.quantity,
              orderedAt: r.orderedAt,
              status: r.status ?? "open",
              fileLine: line,
              replace: r.replace === true,
            })),
          );
        },
        rejectedSkus: async () => {},
        async finish() {
          await store.inventory.applyOrderStage({ fileId: t.fileId, merchant: t.merchant, cart: t.cart! });
          return { rowsLoaded: staged, linesLoaded: staged };
        },
      };
    }
    case "catalog": {
      // a product list: a cart's catalog (each file the full list), or a WMS's product master (updates the products it
      // lists)
      const productJson = (r: CanonicalRecord<"catalog">) =>
        JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)));
      if (t.warehouse) {
        let n = 0;
        return {
          async add(records) {
            n += records.length;
            await store.products.upsertWarehouseProducts({
              fileId: t.fileId,
              merchant: t.merchant,
              warehouse: t.warehouse!,
              rows: (records as Array<Lined<CanonicalRecord<"catalog">>>).map(({ record: r }) => ({
                sku: r.sku,
                product: productJson(r),
              })),
            });
          },
          rejectedSkus: async () => {},
          finish: async () => ({ rowsLoaded: n, linesLoaded: n, applied: n }),
        };
      }
      await store.inventory.clearCatalog(t.merchant, t.cart!);
      let n = 0;
      return {
        async add(records) {
          n += records.length;
          await store.inventory.addCatalog({
            fileId: t.fileId,
            merchant: t.merchant,
            cart: t.cart!,
            rows: (records as Array<Lined<CanonicalRecord<"catalog">>>).map(({ record: r }) => ({
              sku: r.sku,
              inventoryEnabled: r.inventoryEnabled ?? true,
              product: productJson(r),
            })),
          });
        },
        rejectedSkus: async () => {},
        finish: async () => ({ rowsLoaded: n, linesLoaded: n }),
      };
    }
    case "aliases": {
      await store.inventory.clearAliases(t.merchant);
      let n = 0;
      return {
        async add(records) {
          n += records.length;
          await store.inventory.addAliases({
            fileId: t.fileId,
            merchant: t.merchant,
            rows: (records as Array<Lined<CanonicalRecord<"aliases">>>).map((l) => l.record),
          });
        },
        rejectedSkus: async () => {},
        finish: async () => {
          await store.inventory.aliasProducts(t.merchant);
          return { rowsLoaded: n, linesLoaded: n };
        },
      };
    }
  }
}

/**
 * Rules 3, 13 and 14 on a staged warehouse file: the lots of a SKU with a rejected line are
 * held back; a full snapshot with no line that loads is refused (it would zero the warehouse);
 * the rest is applied.
 */
async function finishInventory(
  store: Store,
  t: LoadTarget,
  sofar: LoadResult,
  skuField: string,
  file: string,
): Promise<Partial<LoadResult>> {
  const held = await store.inventory.holdIncompleteSkus(t.fileId, skuField, MAX_QUANTITY);
  const rejects = [...sofar.rejects];
  for (const h of held.examples) {
    if (rejects.length >= REPORTED_REJECTS) break;
    rejects.push({ file, line: h.line, field: skuField, value: h.sku, reason: h.reason, sku: h.sku });
  }
  rejects.sort((a, b) => a.line - b.line);
  const lines = await store.inventory.stagedInventoryLines();
  if (lines === 0 && t.fullSnapshot) {
    const why = sofar.rowsRead === 0 ? "it has no data lines" : `all ${sofar.rowsRead} of its lines were rejected`;
    const first = rejects.slice(0, 3).map((e) => `line ${e.line}: ${e.reason}`);
    throw new FileUnreadableError(
      `a full snapshot with no line that loads (${why}) would set every SKU to 0: refused, nothing applied (rule 13)` +
        (first.length ? `; ${first.join("; ")}` : ""),
      file,
    );
  }
  const r = await store.inventory.applyInventoryStage({
    fileId: t.fileId,
    merchant: t.merchant,
    warehouse: t.warehouse!,
    full: !!t.fullSnapshot,
    defaultAsOf: t.mtime,
    now: t.now,
  });
  return {
    rowsLoaded: r.loaded,
    linesLoaded: lines,
    rowsRejected: sofar.rowsRejected + held.lines,
    rejects,
    rowsStale: r.stale,
    rowsZeroed: r.zeroed,
    applied: r.applied,
    asOf: r.asOf,
  };
}
