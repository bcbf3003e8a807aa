import type { LoadedCart, LoadedConfig } from "../../config/load.js";
import type { Carts } from "./carts.js";
import type { Inventory } from "./inventory.js";
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
import type { SqlSession } from "./session.js";

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
export class Queries {
  constructor(
    private readonly sql: SqlSession,
    private readonly slices: { carts: Carts; inventory: Inventory },
  ) {}

  async warehouseStatus(config: LoadedConfig) {
    return warehouseStatus(this.sql, config);
  }

  async cartStatus(config: LoadedConfig) {
    return cartStatus(this.sql, config);
  }

  async *files(merchants: string[]) {
    yield* fileRows(this.sql, merchants);
  }

  /** every file of the outbox (cart files, product files, acknowledgments) in one shape */
  async outbox(merchants: string[], filter: Parameters<typeof outboxFiles>[2] = {}): Promise<OutboxFile[]> {
    return outboxFiles(this.sql, merchants, filter);
  }

  async productFilesWaiting(config: LoadedConfig) {
    return productFilesWaiting(this.sql, config);
  }

  /**
   * Runs started at or after `since`, the newest `limit` of them, oldest first. `matching`
   * counts every run the filter takes (more than the rows when the limit cut the list); with
   * `hideEmpty`, runs that did nothing (a poll that found no file: no file, cart, product or
   * error) are left out and counted in `emptyHidden`.
   */
  async runs(filter: RunFilter): Promise<RunList> {
    const { jsonLength, jsonTrue } = this.sql.dialect;
    const none = (key: string) => `COALESCE(${jsonLength("summary", key)}, 0) = 0`;
    const empty = `(finished_at IS NOT NULL AND status = 'ok' AND summary IS NOT NULL
      AND ${["files", "carts", "products", "errors"].map(none).join(" AND ")}
      AND NOT ${jsonTrue("summary", "stopped")})`;
    const shown = filter.hideEmpty ? `NOT ${empty}` : "TRUE";
    const counts = (await this.sql.get<{ matching: number; hidden: number }>(
      `SELECT COUNT(*) FILTER (WHERE ${shown}) AS matching, COUNT(*) FILTER (WHERE NOT (${shown})) AS hidden
       FROM runs WHERE started_at >= ?`,
      [filter.since],
    ))!;
    const rows = await this.sql.all<RunRow>(
      `SELECT id, started_at, finished_at, status, summary FROM runs
       WHERE started_at >= ? AND ${shown} ORDER BY id DESC LIMIT ?`,
      [filter.since, filter.limit],
    );
    return { rows: rows.reverse(), matching: counts.matching, emptyHidden: counts.hidden };
  }

  async *locationRows(warehouse: string, merchants: string[], page: SkuPage = {}) {
    yield* locationRows(this.sql, warehouse, merchants, page);
  }

  async *productSummary(merchants: string[], page: SkuPage = {}) {
    yield* productSummary(this.sql, merchants, page);
  }

  async *productSync(cart: LoadedCart, options: ProductSyncOptions = {}) {
    yield* productSyncRows(this.sql, cart, options);
  }

  async explainFacts(config: LoadedConfig, cart: LoadedCart, code: string, now: number) {
    return explainFacts(this.sql, this.slices, config, cart, code, now);
  }

  async searchSku(code: string, carts: SearchedCart[]) {
    return searchSku(this.sql, code, carts);
  }
}
