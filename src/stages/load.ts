import { faultPoint } from "../util/fault.js";
import type { Feed } from "../config/load.js";
import { FileUnreadableError, type RecordError } from "../errors.js";
import type { CanonicalRecord, InputKind } from "../mapping/kinds.js";
import type { Store } from "../state/store.js";
import { mapRow, mapRows, type Mapped } from "../mapping/products.js";
import type { SourceRow } from "../formats/types.js";
import { interchangeParties, type InterchangeSummary } from "../formats/x12/envelope.js";

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
}

export interface LoadResult {
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  rowsStale: number;
  rowsZeroed: number;
  applied: number;
  asOf: number | null;
  /** the first rejects, for the report */
  rejects: RecordError[];
  /** X12: the interchanges the file held */
  interchanges?: InterchangeSummary[];
}

/**
 * Streams one file through its mapping into the store. The caller holds the transaction:
 * the file is loaded whole or not at all. Bad lines are rejects; the rest loads.
 */
export async function loadFile(store: Store, feed: Feed, path: string, displayName: string, t: LoadTarget): Promise<LoadResult> {
  const mapping = feed.mapping;
  const table = await mapping.format.openTable(path, mapping.columns, mapping.readerOptions, {
    seenInterchange: (i) => {
      const { sender, receiver } = interchangeParties(i);
      return store.findReceivedInterchange(sender, receiver, i.control);
    },
  });
  const missing = mapping.checkColumns(table.present);
  if (missing.length > 0) throw new FileUnreadableError(missing.join("; "), displayName);

  const result: LoadResult = { rowsRead: 0, rowsLoaded: 0, rowsRejected: 0, rowsStale: 0, rowsZeroed: 0, applied: 0, asOf: null, rejects: [] };
  const sink = sinkFor(store, mapping.kind, t);
  let batch: Array<Lined<unknown>> = [];
  let rejectBatch: RecordError[] = [];
  const take = (mapped: Mapped<InputKind>) => {
    if ("errors" in mapped) {
      result.rowsRejected++;
      const first = mapped.errors;
      if (result.rejects.length < REPORTED_REJECTS) result.rejects.push(...first.slice(0, REPORTED_REJECTS - result.rejects.length));
      rejectBatch.push(...first);
      if (first[0].sku) sink.rejectedSku(first[0].sku);
      if (rejectBatch.length >= BATCH) {
        store.addRejects(t.fileId, rejectBatch);
        rejectBatch = [];
      }
      return;
    }
    batch.push({ record: mapped.record, line: mapped.line });
    if (batch.length >= BATCH) {
      sink.add(batch);
      batch = [];
    }
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
    for await (const mapped of mapRows(mapping, counted, displayName)) take(mapped);
  } else {
    // a record per row: mapped a chunk at a time, without an await per row
    for await (const rows of table.batches ?? inBatches(table.rows)) {
      for (const row of rows) {
        faultPoint("load:mid-parse");
        result.rowsRead++;
        take(mapRow(mapping, row, displayName));
      }
    }
  }
  if (batch.length) sink.add(batch);
  if (rejectBatch.length) store.addRejects(t.fileId, rejectBatch);
  if (result.rowsRead === 0 && t.fullSnapshot) {
    // a full snapshot with no lines would zero every SKU of the warehouse: refuse it
    throw new FileUnreadableError("a full snapshot with no data lines would set every SKU to 0; refused", displayName);
  }
  Object.assign(result, sink.finish());
  if (table.interchanges) {
    result.interchanges = table.interchanges;
    for (const i of table.interchanges) {
      if (i.duplicateOf) continue;
      const { sender, receiver } = interchangeParties(i);
      store.recordReceivedInterchange(sender, receiver, i.control, t.fileId);
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
  add(records: Array<Lined<unknown>>): void;
  rejectedSku(sku: string): void;
  finish(): Partial<LoadResult>;
}

function sinkFor(store: Store, kind: InputKind, t: LoadTarget): Sink {
  switch (kind) {
    case "inventory": {
      store.clearInventoryStage();
      return {
        add(records) {
          store.stageInventory(
            (records as Array<Lined<CanonicalRecord<"inventory">>>).map(({ record: r, line }) => ({
              sku: r.sku,
              available: r.available,
              onHand: r.onHand,
              asOf: r.asOf ?? t.mtime,
              line,
            })),
          );
        },
        rejectedSku: (sku) => store.stageSeenSku(sku),
        finish() {
          const r = store.applyInventoryStage({ fileId: t.fileId, merchant: t.merchant, warehouse: t.warehouse!, full: !!t.fullSnapshot, defaultAsOf: t.mtime, now: t.now });
          return { rowsLoaded: r.loaded, rowsStale: r.stale, rowsZeroed: r.zeroed, applied: r.applied, asOf: r.asOf };
        },
      };
    }
    case "orders": {
      store.clearOrderStage();
      let staged = 0;
      return {
        add(records) {
          staged += records.length;
          store.stageOrders(
            (records as Array<Lined<CanonicalRecord<"orders">>>).map(({ record: r, line }) => ({
              orderId: r.orderId,
              line: r.line ?? 1,
              sku: r.sku,
              quantity: r.quantity,
              orderedAt: r.orderedAt,
              status: r.status ?? "open",
              fileLine: line,
            })),
          );
        },
        rejectedSku: () => {},
        finish() {
          store.applyOrderStage({ fileId: t.fileId, merchant: t.merchant, cart: t.cart! });
          return { rowsLoaded: staged };
        },
      };
    }
    case "catalog": {
      // a product list: a cart's catalog (each file the full list), or a WMS's product master (updates the products it lists)
      const productJson = (r: CanonicalRecord<"catalog">) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)));
      if (t.warehouse) {
        let n = 0;
        return {
          add(records) {
            n += records.length;
            store.products.upsertWarehouseProducts({
              fileId: t.fileId,
              merchant: t.merchant,
              warehouse: t.warehouse!,
              rows: (records as Array<Lined<CanonicalRecord<"catalog">>>).map(({ record: r }) => ({ sku: r.sku, product: productJson(r) })),
            });
          },
          rejectedSku: () => {},
          finish: () => ({ rowsLoaded: n, applied: n }),
        };
      }
      store.clearCatalog(t.merchant, t.cart!);
      let n = 0;
      return {
        add(records) {
          n += records.length;
          store.addCatalog({
            fileId: t.fileId,
            merchant: t.merchant,
            cart: t.cart!,
            rows: (records as Array<Lined<CanonicalRecord<"catalog">>>).map(({ record: r }) => ({ sku: r.sku, inventoryEnabled: r.inventoryEnabled ?? true, product: productJson(r) })),
          });
        },
        rejectedSku: () => {},
        finish: () => ({ rowsLoaded: n }),
      };
    }
    case "aliases": {
      store.clearAliases(t.merchant);
      let n = 0;
      return {
        add(records) {
          n += records.length;
          store.addAliases({ fileId: t.fileId, merchant: t.merchant, rows: (records as Array<Lined<CanonicalRecord<"aliases">>>).map((l) => l.record) });
        },
        rejectedSku: () => {},
        finish: () => {
          store.aliasProducts(t.merchant);
          return { rowsLoaded: n };
        },
      };
    }
  }
}
