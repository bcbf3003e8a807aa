import type { LoadedCart, LoadedConfig } from "../../config/load.js";
import type { SqliteCarts } from "./carts.js";
import type { SqliteInventory } from "./inventory.js";
import { explainFacts } from "./queries/explain.js";
import { locationRows, productSummary, type SkuPage } from "./queries/locations.js";
import { productSyncRows, type ProductSyncOptions } from "./queries/product-sync.js";
import { cartStatus, searchSku, warehouseStatus, type SearchedCart } from "./queries/reports.js";
import type { Db } from "./slice.js";

export interface RunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  status: string;
  summary: string | null;
}

/** The read models operators see (status, history, locations, view-sync, explain, sku): read only. */
export class SqliteQueries {
  constructor(
    private readonly db: Db,
    private readonly slices: { carts: SqliteCarts; inventory: SqliteInventory },
  ) {}

  warehouseStatus(config: LoadedConfig) {
    return warehouseStatus(this.db, config);
  }

  cartStatus(config: LoadedConfig) {
    return cartStatus(this.db, config);
  }

  /** Runs started at or after `since`, the newest `limit` of them, oldest first. */
  runs(since: number, limit: number): RunRow[] {
    const rows = this.db
      .prepare(
        "SELECT id, started_at, finished_at, status, summary FROM runs WHERE started_at >= ? ORDER BY id DESC LIMIT ?",
      )
      .all(since, limit) as RunRow[];
    return rows.reverse();
  }

  locationRows(warehouse: string, merchants: string[], page: SkuPage = {}) {
    return locationRows(this.db, warehouse, merchants, page);
  }

  productSummary(merchants: string[], page: SkuPage = {}) {
    return productSummary(this.db, merchants, page);
  }

  productSync(cart: LoadedCart, options: ProductSyncOptions = {}) {
    return productSyncRows(this.db, cart, options);
  }

  explainFacts(config: LoadedConfig, cart: LoadedCart, code: string, now: number) {
    return explainFacts(this.db, this.slices, config, cart, code, now);
  }

  searchSku(code: string, carts: SearchedCart[]) {
    return searchSku(this.db, code, carts);
  }
}
