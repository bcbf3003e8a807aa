import type { LoadedCart, LoadedConfig } from "../../config/load.js";
import type { SqliteCarts } from "./carts.js";
import type { SqliteInventory } from "./inventory.js";
import { explainFacts } from "./queries/explain.js";
import { locationRows, productSummary, type SkuPage } from "./queries/locations.js";
import { productSyncRows, type ProductSyncOptions } from "./queries/product-sync.js";
import {
  cartStatus,
  fileRows,
  outboxFiles,
  productFilesWaiting,
  searchSku,
  warehouseStatus,
  type OutboxFile,
  type SearchedCart,
} from "./queries/reports.js";
import type { Db } from "./slice.js";

export interface RunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  status: string;
  summary: string | null;
}

export interface RunFilter {
  since: number;
  limit: number;
  hideEmpty: boolean;
}

export interface RunList {
  rows: RunRow[];
  matching: number;
  emptyHidden: number;
}

/** The read models operators see (status, history, locations, view-sync, explain, sku): read only. */
export class SqliteQueries {
  constructor(
    private readonly db: Db,
    private readonly slices: { carts: SqliteCarts; inventory: SqliteInventory },
  ) {}

  async warehouseStatus(config: LoadedConfig) {
    return warehouseStatus(this.db, config);
  }

  async cartStatus(config: LoadedConfig) {
    return cartStatus(this.db, config);
  }

  async *files(merchants: string[]) {
    yield* fileRows(this.db, merchants);
  }

  /** every file of the outbox (cart files, product files, acknowledgments) in one shape */
  async outbox(merchants: string[], filter: Parameters<typeof outboxFiles>[2] = {}): Promise<OutboxFile[]> {
    return outboxFiles(this.db, merchants, filter);
  }

  async productFilesWaiting(config: LoadedConfig) {
    return productFilesWaiting(this.db, config);
  }

  /**
   * Runs started at or after `since`, the newest `limit` of them, oldest first. `matching`
   * counts every run the filter takes (more than the rows when the limit cut the list); with
   * `hideEmpty`, runs that did nothing (a poll that found no file: no file, cart, product or
   * error) are left out and counted in `emptyHidden`.
   */
  async runs(filter: RunFilter): Promise<RunList> {
    // json_* on the summary: SQLite's own; a second store keeps the same meaning in its dialect
    const empty = `(finished_at IS NOT NULL AND status = 'ok' AND summary IS NOT NULL
      AND COALESCE(json_array_length(summary, '$.files'), 0) = 0
      AND COALESCE(json_array_length(summary, '$.carts'), 0) = 0
      AND COALESCE(json_array_length(summary, '$.products'), 0) = 0
      AND COALESCE(json_array_length(summary, '$.errors'), 0) = 0
      AND NOT COALESCE(json_extract(summary, '$.stopped'), 0))`;
    const shown = filter.hideEmpty ? `NOT ${empty}` : "1";
    const counts = this.db
      .prepare(
        `SELECT COUNT(*) FILTER (WHERE ${shown}) AS matching, COUNT(*) FILTER (WHERE NOT (${shown})) AS hidden
         FROM runs WHERE started_at >= ?`,
      )
      .get(filter.since) as { matching: number; hidden: number };
    const rows = this.db
      .prepare(
        `SELECT id, started_at, finished_at, status, summary FROM runs
         WHERE started_at >= ? AND ${shown} ORDER BY id DESC LIMIT ?`,
      )
      .all(filter.since, filter.limit) as RunRow[];
    return { rows: rows.reverse(), matching: counts.matching, emptyHidden: counts.hidden };
  }

  async *locationRows(warehouse: string, merchants: string[], page: SkuPage = {}) {
    yield* locationRows(this.db, warehouse, merchants, page);
  }

  async *productSummary(merchants: string[], page: SkuPage = {}) {
    yield* productSummary(this.db, merchants, page);
  }

  async *productSync(cart: LoadedCart, options: ProductSyncOptions = {}) {
    yield* productSyncRows(this.db, cart, options);
  }

  async explainFacts(config: LoadedConfig, cart: LoadedCart, code: string, now: number) {
    return explainFacts(this.db, this.slices, config, cart, code, now);
  }

  async searchSku(code: string, carts: SearchedCart[]) {
    return searchSku(this.db, code, carts);
  }
}
