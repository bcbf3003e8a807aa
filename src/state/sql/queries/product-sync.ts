/**
 * View Product Sync (DOMAIN.md "What an operator must be able to see"), read a page at a time
 * in code order: linear in the cart's codes, whatever their number, and streamed.
 */
import type { LoadedCart } from "../../../config/load.js";
import { drawsFromSql } from "../../../domain/availability.js";
import { lastDeliveredSet } from "../line-changes.js";
import type { SqlSession, Dialect } from "../session.js";

export interface ProductSyncRow {
  /** the code the cart knows (its SKU or alias code); for an alias cart's product without that alias, its SKU */
  sku: string;
  /** null when the cart sent no catalog */
  inventoryEnabled: boolean | null;
  lastCartSyncAt: number | "NEVER";
  lastQuantity: number | null;
  /** why NEVER (or why a synced code is no longer sent, or not sent as the rules say) */
  reason: string | null;
  /** oldest as-of of the matched product's levels in the cart's warehouses */
  asOf: number | null;
  /** the row needs an operator's action (view-sync --problems) */
  problem: boolean;
}

export interface ProductSyncOptions {
  now?: number;
  staleAfterMs?: number;
  /** keyset paging: only codes after this one */
  after?: string;
  /** only codes containing this text */
  search?: string;
}

/** codes read per query */
const PAGE = 1000;

interface Raw {
  code: string;
  enabled: number | null;
  in_lines: number | null;
  synced_at: number | null;
  quantity: number | null;
  unsendable: string | null;
  is_unsendable: number | null;
  /** synced rows: the oldest as-of of the sent SKU's levels in the cart's warehouses */
  as_of: number | null;
}

/** The first PAGE codes after @after of each source of codes, merged: the page's codes are among them. */
/**
 * The oldest as-of of a SKU's levels in the cart's warehouses (@m, @w), or null: a key lookup
 * (SQLite's planner would scan the merchant's levels without the hint).
 */
function stockedAsOfSql(d: Dialect, sku: string): string {
  const cartWarehouse = "CAST(@w AS TEXT)";
  return `SELECT MIN(i.as_of) FROM inventory i ${d.indexedBy("inventory_by_sku")}
    WHERE i.merchant = @m AND i.sku = ${sku} AND ${drawsFromSql({ warehouse: "i.warehouse", cartWarehouse })}`;
}

function pageSql(d: Dialect, aliasCart: boolean): string {
  const arm = (sql: string, col: string) =>
    `SELECT code FROM (${sql} AND ${col} > @after AND (CAST(@q AS TEXT) IS NULL OR ${d.contains(col, "@q")})
       ORDER BY ${col} LIMIT @n) a`;
  const arms = [
    arm("SELECT sku AS code FROM catalog WHERE merchant = @m AND cart = @id", "sku"),
    arm("SELECT DISTINCT code FROM cart_lines WHERE merchant = @m AND cart = @id", "code"),
    arm("SELECT DISTINCT code FROM cart_line_changes WHERE merchant = @m AND cart = @id", "code"),
    arm("SELECT code FROM sync_skipped WHERE sync_id = @lastSet AND reason = 'unsendable'", "code"),
  ];
  // rule 9: warehouse products of an alias cart that have no code of its alias type
  if (aliasCart) {
    arms.push(
      arm(
        `SELECT p.sku AS code FROM products p WHERE p.merchant = @m
           AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.merchant = @m AND a.sku = p.sku AND a.alias_type = @alias)
           AND EXISTS (SELECT 1 FROM inventory i WHERE i.merchant = @m AND i.sku = p.sku
              AND ${drawsFromSql({ warehouse: "i.warehouse", cartWarehouse: "CAST(@w AS TEXT)" })})`,
        "p.sku",
      ),
    );
  }
  // a code's last sent line: its newest row at or before the last delivered set (@deliveredSet, file @deliveredId)
  const newestIn = (t: string) => `SELECT MAX(x.from_set) AS f FROM ${t} x WHERE x.merchant = @m AND x.cart = @id
    AND x.code = k.code AND x.from_set <= @deliveredSet`;
  const newest = `SELECT MAX(f) FROM (${newestIn("cart_lines")} UNION ALL ${newestIn("cart_line_changes")}) n`;
  // that row: of cart_line_changes (lc) where it has one of that key (it hides cart_lines' of the same key), else lb
  const l = (col: string) => `(CASE WHEN lc.code IS NOT NULL THEN lc.${col} ELSE lb.${col} END)`;
  const carrier = `CASE WHEN ${l("code")} IS NULL THEN NULL
    WHEN ${l("to_set")} IS NULL OR ${l("to_set")} > @deliveredSet THEN CAST(@deliveredId AS BIGINT)
    ELSE (SELECT s.id FROM cart_syncs s WHERE s.merchant = @m AND s.cart = @id AND s.status = 'delivered'
      AND s.lines_set >= ${l("from_set")} AND s.lines_set < ${l("to_set")} ORDER BY s.lines_set DESC, s.id DESC
      LIMIT 1) END`;
  return `WITH codes AS (${arms.join(" UNION ")})
    SELECT k.code, c.inventory_enabled AS enabled,
      CASE WHEN EXISTS (SELECT 1 FROM cart_lines x WHERE x.merchant = @m AND x.cart = @id AND x.code = k.code)
        OR EXISTS (SELECT 1 FROM cart_line_changes x WHERE x.merchant = @m AND x.cart = @id AND x.code = k.code)
        THEN 1 ELSE 0 END AS in_lines,
      y.synced_at, ${l("quantity")} AS quantity,
      u.detail AS unsendable, CASE WHEN u.code IS NULL THEN 0 ELSE 1 END AS is_unsendable,
      CASE WHEN y.synced_at IS NULL THEN NULL ELSE (${stockedAsOfSql(d, `COALESCE(${l("sku")}, k.code)`)}) END AS as_of
    FROM (SELECT code FROM codes ORDER BY code LIMIT @n) k
    LEFT JOIN catalog c ON c.merchant = @m AND c.cart = @id AND c.sku = k.code
    LEFT JOIN cart_line_changes lc ON lc.merchant = @m AND lc.cart = @id AND lc.code = k.code
      AND lc.from_set = (${newest})
    LEFT JOIN cart_lines lb ON lc.code IS NULL AND lb.merchant = @m AND lb.cart = @id AND lb.code = k.code
      AND lb.from_set = (${newest})
    LEFT JOIN cart_syncs y ON y.id = ${carrier}
    LEFT JOIN (SELECT code, MAX(detail) AS detail FROM sync_skipped WHERE sync_id = @lastSet
       AND reason = 'unsendable' GROUP BY code) u
      ON u.code = k.code
    ORDER BY k.code`;
}

/**
 * Every code the cart knows (its catalog), was sent, could not be sent (a value its format
 * cannot carry), and for an alias cart every stocked product without its alias, in code
 * order. A row is a problem when it was never synced, is inventory disabled, is left out of
 * the newest file, or its warehouse data is older than `staleAfterMs`.
 */
export async function* productSyncRows(
  sql: SqlSession,
  cart: LoadedCart,
  o: ProductSyncOptions = {},
): AsyncGenerator<ProductSyncRow> {
  const m = cart.merchant;
  const id = cart.config.id;
  const lastSet = await sql.get<{ lines_set: number }>(
    `SELECT lines_set FROM cart_syncs WHERE merchant = ? AND cart = ? AND status IN ('pending', 'delivered')
       ORDER BY id DESC LIMIT 1`,
    [m, id],
  );
  const page = pageSql(sql.dialect, cart.config.alias !== null);
  const delivered = await lastDeliveredSet(sql, { merchant: m, cart: id });
  const params = {
    m,
    id,
    deliveredSet: delivered.set,
    deliveredId: delivered.id,
    lastSet: lastSet?.lines_set ?? -1,
    alias: cart.config.alias,
    w: cart.warehouse,
    q: o.search ?? null,
    n: PAGE,
  };
  const toRow = rowMaker(sql, cart, o.now ?? Date.now(), o.staleAfterMs ?? 48 * 3_600_000);
  let after = o.after ?? "";
  for (;;) {
    const rows = await sql.all<Raw>(page, { ...params, after });
    for (const r of rows) yield await toRow(r);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].code;
  }
}

/** The oldest as-of of a SKU's levels in the cart's warehouses, or null. */
function stockedAsOf(sql: SqlSession, cart: LoadedCart): (sku: string) => Promise<number | null> {
  const q = `SELECT (${stockedAsOfSql(sql.dialect, "@sku")}) AS t`;
  return async (sku) => (await sql.get<{ t: number | null }>(q, { m: cart.merchant, sku, w: cart.warehouse }))!.t;
}

/** A page row as View Product Sync shows it: its reason, and whether it needs an operator. */
function rowMaker(
  sql: SqlSession,
  cart: LoadedCart,
  now: number,
  staleAfterMs: number,
): (r: Raw) => Promise<ProductSyncRow> {
  const alias = cart.config.alias;
  const why = reasons(sql, cart);
  return async (r) => {
    const synced = r.synced_at !== null;
    const asOf = synced ? r.as_of : null;
    // rule 9: only the products arm yields a row with no catalog entry, no sent line and no unsendable line
    const noAlias = alias !== null && r.enabled === null && !r.in_lines && !r.is_unsendable;
    let reason: string | null = null;
    if (noAlias)
      reason =
        `SKU ${r.code} has no ${alias} alias: it cannot be sent to this cart (rule 9); ` +
        `add its ${alias} to the alias list`;
    else if (r.is_unsendable)
      reason = `left out of the newest file: ${r.unsendable ?? "a value the cart's file format cannot carry"}`;
    else if (!synced)
      reason = r.in_lines ? "its file waits in the outbox: not delivered yet" : await why(r.code, r.enabled);
    else if (r.enabled === 0) reason = "inventory is now disabled in the cart: no longer sent";
    const stale = asOf !== null && now - asOf > staleAfterMs;
    if (stale && reason === null) {
      reason = `warehouse data is ${Math.floor((now - asOf) / 3_600_000)} hours old: is the WMS still sending files?`;
    }
    return {
      sku: r.code,
      inventoryEnabled: r.enabled === null ? null : r.enabled === 1,
      lastCartSyncAt: synced ? r.synced_at! : "NEVER",
      lastQuantity: r.quantity,
      reason,
      asOf,
      problem: !synced || r.enabled === 0 || stale || noAlias || !!r.is_unsendable,
    };
  };
}

/** Why a code the cart knows was never sent to it. */
function reasons(sql: SqlSession, cart: LoadedCart): (code: string, enabled: number | null) => Promise<string> {
  const m = cart.merchant;
  const alias = cart.config.alias;
  const aliasSkus = "SELECT DISTINCT sku FROM aliases WHERE merchant = ? AND alias_type = ? AND code = ? ORDER BY sku";
  const product = "SELECT 1 FROM products WHERE merchant = ? AND sku = ?";
  const stocked = stockedAsOf(sql, cart);
  return async (code, enabled) => {
    if (!cart.config.inventoryUpload) return "inventory upload is off for this cart";
    if (enabled === 0)
      return "inventory is disabled in the cart for this product: enable inventory tracking in the cart";
    let sku = code;
    if (alias) {
      const skus = (await sql.all<{ sku: string }>(aliasSkus, [m, alias, code])).map((r) => r.sku);
      if (skus.length === 0) return `no warehouse product has ${alias} alias ${code}: add the alias or fix the code`;
      if (skus.length > 1) {
        return (
          `${alias} alias ${code} is shared by ${skus.length} products (${skus.join(", ")}): ` +
          "an alias code must point to one product"
        );
      }
      sku = skus[0];
    } else if (!(await sql.get(product, [m, code])))
      return "no matching SKU on the warehouse side: make the SKU match, or push by an alias";
    if ((await stocked(sku)) === null)
      return `no inventory loaded for ${sku} from ${cart.warehouse ?? "any warehouse"}`;
    return "not synced yet: no file has gone to the cart since it matched";
  };
}
