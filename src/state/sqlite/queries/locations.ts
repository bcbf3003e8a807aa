/**
 * Locations & Products (DOMAIN.md): per warehouse, each SKU's level and when it was last
 * loaded; the summary over all warehouses. Streamed in SKU order per merchant, straight off
 * the primary keys: no sort, no array of a million rows.
 */
import type { Db } from "../slice.js";

export interface LocationRow {
  merchant: string;
  warehouse: string;
  sku: string;
  available: number;
  onHand: number | null;
  asOf: number;
  loadedAt: number;
  /** null for a level a full snapshot zeroed whose file is gone from the ledger */
  file: string | null;
}

export interface ProductSummaryRow {
  merchant: string;
  sku: string;
  available: number;
  onHand: number | null;
  warehouses: number;
}

export interface SkuPage {
  /** only SKUs after this one (keyset paging) */
  after?: string;
  /** only SKUs containing this text */
  search?: string;
}

/** One warehouse's levels, merchant by merchant (in the order given), SKU by SKU. */
export function* locationRows(
  db: Db,
  warehouse: string,
  merchants: string[],
  page: SkuPage = {},
): Generator<LocationRow> {
  const q = db.prepare(
    `SELECT i.merchant, i.warehouse, i.sku, i.available, i.on_hand AS onHand, i.as_of AS asOf,
       i.loaded_at AS loadedAt, f.name AS file
     FROM inventory i LEFT JOIN files f ON f.id = i.file_id
     WHERE i.merchant = @merchant AND i.warehouse = @warehouse AND i.sku > @after AND (@q IS NULL OR instr(i.sku,
        @q) > 0)
     ORDER BY i.sku`,
  );
  for (const merchant of merchants) {
    yield* q.iterate({
      merchant,
      warehouse,
      after: page.after ?? "",
      q: page.search ?? null,
    }) as IterableIterator<LocationRow>;
  }
}

/** Add/View Products: one line per SKU over all warehouses (no load times, as in the seed). */
export function* productSummary(db: Db, merchants: string[], page: SkuPage = {}): Generator<ProductSummaryRow> {
  const q = db.prepare(
    `SELECT merchant, sku, SUM(available) AS available, CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END AS onHand,
            COUNT(*) AS warehouses
     FROM inventory INDEXED BY inventory_by_sku
     WHERE merchant = @merchant AND sku > @after AND (@q IS NULL OR instr(sku, @q) > 0)
     GROUP BY sku ORDER BY sku`,
  );
  for (const merchant of merchants) {
    yield* q.iterate({
      merchant,
      after: page.after ?? "",
      q: page.search ?? null,
    }) as IterableIterator<ProductSummaryRow>;
  }
}
