/**
 * Locations & Products (DOMAIN.md): per warehouse, each SKU's level and when it was last
 * loaded; the summary over all warehouses. Streamed in SKU order per merchant, a page at a
 * time straight off the primary keys (keyset: no OFFSET, no array of a million rows).
 */
import type { SqlSession } from "../session.js";

/** SKUs read per query */
const PAGE = 2000;

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

/** The rows of `sql` (ordered by sku, after @after, at most @n) merchant by merchant, a page at a time. */
async function* bySku<T extends { sku: string }>(
  sql: SqlSession,
  query: string,
  merchants: string[],
  params: Record<string, unknown>,
  page: SkuPage,
): AsyncGenerator<T> {
  for (const merchant of merchants) {
    let after = page.after ?? "";
    for (;;) {
      const rows = await sql.all<T>(query, { ...params, merchant, after, q: page.search ?? null, n: PAGE });
      yield* rows;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].sku;
    }
  }
}

/** One warehouse's levels, merchant by merchant (in the order given), SKU by SKU. */
export function locationRows(
  sql: SqlSession,
  warehouse: string,
  merchants: string[],
  page: SkuPage = {},
): AsyncGenerator<LocationRow> {
  const query = `SELECT i.merchant, i.warehouse, i.sku, i.available, i.on_hand AS "onHand", i.as_of AS "asOf",
       i.loaded_at AS "loadedAt", f.name AS file
     FROM inventory i LEFT JOIN files f ON f.id = i.file_id
     WHERE i.merchant = @merchant AND i.warehouse = @warehouse AND i.sku > @after
       AND (CAST(@q AS TEXT) IS NULL OR ${sql.dialect.contains("i.sku", "@q")})
     ORDER BY i.sku LIMIT @n`;
  return bySku(sql, query, merchants, { warehouse }, page);
}

/** Add/View Products: one line per SKU over all warehouses (no load times, as in the seed). */
export function productSummary(
  sql: SqlSession,
  merchants: string[],
  page: SkuPage = {},
): AsyncGenerator<ProductSummaryRow> {
  const query = `SELECT merchant, sku, SUM(available) AS available,
       CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END AS "onHand", COUNT(*) AS warehouses
     FROM inventory ${sql.dialect.indexedBy("inventory_by_sku")}
     WHERE merchant = @merchant AND sku > @after AND (CAST(@q AS TEXT) IS NULL OR ${sql.dialect.contains("sku", "@q")})
     GROUP BY merchant, sku ORDER BY sku LIMIT @n`;
  return bySku(sql, query, merchants, {}, page);
}
