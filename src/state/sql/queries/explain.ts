import { Cron } from "croner";
import type { LoadedCart, LoadedConfig } from "../../../config/load.js";
import type { ExplainFacts } from "../../../domain/explain.js";
import { combineWarehouses, drawsFrom, type OrderStatus } from "../../../domain/availability.js";
import { ORDER_SKU, type Carts } from "../carts.js";
import type { Inventory } from "../inventory.js";
import type { SqlSession } from "../session.js";

/** order lines before the as-of listed at most, newest first; the rest are counted */
const OLDER_ORDERS_LISTED = 10;

/** Every fact `explain` needs about one cart and one code, from recorded state only. */
export async function explainFacts(
  sql: SqlSession,
  slices: { carts: Carts; inventory: Inventory },
  config: LoadedConfig,
  cart: LoadedCart,
  code: string,
  now: number,
): Promise<ExplainFacts> {
  const m = cart.merchant;
  const merchant = config.merchants.find((x) => x.config.id === m)!;
  const warehouses = cart.warehouse ? [cart.warehouse] : merchant.warehouses.map((w) => w.config.id);
  const match = await matchCode(sql, m, cart.config.alias, code);
  const catalog = await catalogFacts(sql, m, cart.config.id, code);
  const stock = await stockFacts(sql, cart, match.asSku);
  return {
    code,
    merchant: { id: m, inventorySync: merchant.config.inventorySync },
    inventoryRuns: await inventoryRuns(sql, m, warehouses),
    cart: cartFacts(cart, warehouses, catalog.hasCatalog, now),
    matchedSkus: match.matchedSkus,
    codeIsSku: match.codeIsSku,
    aliasCodesOfSku: match.aliasCodesOfSku,
    catalog: catalog.catalog,
    ...stock.facts,
    rejects: await sql.all<ExplainFacts["rejects"][number]>(
      `SELECT f.name AS file, r.line, r.field, r.value, r.reason FROM rejects r JOIN files f ON f.id = r.file_id
       WHERE f.merchant = ? AND r.sku IN (?, ?) ORDER BY r.file_id DESC, r.line LIMIT 20`,
      [m, match.asSku ?? code, code],
    ),
    ...(await orderFacts(sql, m, match.sku, stock.asOf)),
    ...(await deliveryFacts(sql, slices, cart, code)),
  };
}

/** The last inventory run (file taken) of each warehouse, or N/A. */
async function inventoryRuns(sql: SqlSession, m: string, warehouses: string[]): Promise<ExplainFacts["inventoryRuns"]> {
  const lastRun = `SELECT taken_at AS at, name AS file, status FROM files WHERE merchant = ? AND kind = 'inventory'
     AND warehouse = ? AND status <> 'duplicate' ORDER BY id DESC LIMIT 1`;
  const runs: ExplainFacts["inventoryRuns"] = [];
  for (const w of warehouses) {
    const r = await sql.get<{ at: number; file: string; status: string }>(lastRun, [m, w]);
    runs.push(r ? { warehouse: w, ...r } : { warehouse: w, at: null });
  }
  return runs;
}

/** the first column of each row */
async function column<T>(sql: SqlSession, query: string, params: unknown[]): Promise<T[]> {
  return (await sql.values<[T]>(query, params)).map((r) => r[0]);
}

/**
 * The products the code names for the cart (rule 9: by alias code for an alias cart, by SKU
 * otherwise), and for a SKU given to an alias cart, its codes of the cart's alias type.
 */
async function matchCode(sql: SqlSession, m: string, alias: string | null, code: string) {
  const codeIsSku = !!(await sql.get("SELECT 1 FROM products WHERE merchant = ? AND sku = ?", [m, code]));
  const matchedSkus = alias
    ? await column<string>(
        sql,
        "SELECT DISTINCT sku FROM aliases WHERE merchant = ? AND alias_type = ? AND code = ? ORDER BY sku",
        [m, alias, code],
      )
    : codeIsSku
      ? [code]
      : [];
  const sku = matchedSkus.length === 1 ? matchedSkus[0] : null;
  const aliasCodesOfSku =
    alias && codeIsSku && !sku
      ? await column<string>(
          sql,
          "SELECT code FROM aliases WHERE merchant = ? AND sku = ? AND alias_type = ? ORDER BY code",
          [m, code, alias],
        )
      : [];
  // the SKU whose records are shown: the match, or the code itself when it is a SKU the alias cart does not know
  const asSku = sku ?? (alias && codeIsSku ? code : null);
  return { codeIsSku, matchedSkus, sku, asSku, aliasCodesOfSku };
}

async function catalogFacts(sql: SqlSession, m: string, cart: string, code: string) {
  const hasCatalog = !!(await sql.get("SELECT 1 FROM catalog WHERE merchant = ? AND cart = ? LIMIT 1", [m, cart]));
  const cat = await sql.get<{ e: number }>(
    "SELECT inventory_enabled AS e FROM catalog WHERE merchant = ? AND cart = ? AND sku = ?",
    [m, cart, code],
  );
  return { hasCatalog, catalog: { inCatalog: !!cat, inventoryEnabled: cat ? cat.e === 1 : null } };
}

/**
 * The SKU's levels in the cart's warehouses (rule 6) and elsewhere, its stale records, and the as-of orders are judged
 * by.
 */
async function stockFacts(sql: SqlSession, cart: LoadedCart, asSku: string | null) {
  const m = cart.merchant;
  const levels = asSku
    ? await sql.all<ExplainFacts["levels"][number]>(
        `SELECT i.warehouse, i.available, i.on_hand AS "onHand", i.as_of AS "asOf", f.name AS file, i.line,
           i.loaded_at AS "loadedAt"
         FROM inventory i JOIN files f ON f.id = i.file_id WHERE i.merchant = ? AND i.sku = ? ORDER BY i.warehouse`,
        [m, asSku],
      )
    : [];
  const inCart = levels.filter((l) => drawsFrom(cart.warehouse, l.warehouse));
  const stale = asSku
    ? await sql.all<ExplainFacts["stale"][number]>(
        `SELECT h.warehouse, h.available, h.as_of AS "asOf", f.name AS file, h.line FROM inventory_history h
           JOIN files f ON f.id = h.file_id
         WHERE h.merchant = ? AND h.sku = ? AND h.reason = 'stale' ORDER BY h.file_id DESC LIMIT 20`,
        [m, asSku],
      )
    : [];
  return {
    asOf: combineWarehouses(inCart)?.asOf ?? null,
    facts: {
      levels: inCart,
      elsewhere: levels.filter((l) => !drawsFrom(cart.warehouse, l.warehouse)).map((l) => l.warehouse),
      stale,
    },
  };
}

/**
 * The product's order lines as the cart counts them (ORDER_SKU), among those carrying its SKU
 * or one of its codes: every one after the as-of, the newest few at or before it, the rest counted.
 */
async function orderFacts(
  sql: SqlSession,
  m: string,
  sku: string | null,
  asOf: number | null,
): Promise<Pick<ExplainFacts, "orders" | "olderOrdersNotListed">> {
  if (!sku || asOf === null) return { orders: [], olderOrdersNotListed: 0 };
  const orderSql = `SELECT o.cart, o.order_id AS "orderId", o.line, o.sku, o.quantity, o.ordered_at AS "orderedAt",
     o.status, o.times_seen AS "timesSeen", f.name AS file
    FROM orders o JOIN files f ON f.id = o.file_id
    WHERE o.merchant = @m AND (o.sku = @sku OR o.sku IN (SELECT code FROM aliases WHERE merchant = @m AND sku = @sku))
      AND ${ORDER_SKU} = @sku`;
  type Row = Omit<ExplainFacts["orders"][number], "status"> & { status: OrderStatus };
  const after = await sql.all<Row>(
    `${orderSql} AND o.ordered_at > @asOf ORDER BY o.ordered_at, o.cart, o.order_id, o.line`,
    { m, sku, asOf },
  );
  const before = await sql.all<Row>(`${orderSql} AND o.ordered_at <= @asOf ORDER BY o.ordered_at DESC LIMIT @n`, {
    m,
    sku,
    asOf,
    n: OLDER_ORDERS_LISTED,
  });
  const beforeCount = (await sql.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM (${orderSql} AND o.ordered_at <= @asOf) b`,
    { m, sku, asOf },
  ))!.n;
  return { orders: [...before.reverse(), ...after], olderOrdersNotListed: beforeCount - before.length };
}

/** The cart's settings as explain shows them, with its next scheduled sync. */
function cartFacts(cart: LoadedCart, warehouses: string[], hasCatalog: boolean, now: number): ExplainFacts["cart"] {
  const c = cart.config;
  let nextRun: number | null = null;
  try {
    nextRun = new Cron(c.schedule, { paused: true }).nextRun(new Date(now))?.getTime() ?? null;
  } catch {
    nextRun = null;
  }
  return {
    id: c.id,
    inventoryUpload: c.inventoryUpload,
    warehouse: cart.warehouse,
    warehouses,
    alias: c.alias,
    minimumLevel: c.minimumLevel,
    buffer: c.buffer,
    percent: c.percent,
    maximum: c.maximum,
    sendAll: cart.sendAll,
    schedule: c.schedule,
    nextRun,
    hasCatalog,
  };
}

/** What the cart was last sent of the code, whether its last file left it out, and whether news waits. */
async function deliveryFacts(
  sql: SqlSession,
  slices: { carts: Carts; inventory: Inventory },
  cart: LoadedCart,
  code: string,
): Promise<Pick<ExplainFacts, "lastSentOfCode" | "unsendableInLastFile" | "lastCartSync" | "newsPending">> {
  const [m, id] = [cart.merchant, cart.config.id];
  const lastSentOfCode = await sql.get<NonNullable<ExplainFacts["lastSentOfCode"]>>(
    `SELECT s.synced_at AS at, c.file_name AS file, s.quantity FROM sku_sync s
       JOIN cart_syncs c ON c.id = s.sync_id WHERE s.merchant = ? AND s.cart = ? AND s.code = ?`,
    [m, id, code],
  );
  const unsendable = await sql.get<NonNullable<ExplainFacts["unsendableInLastFile"]>>(
    `SELECT c.file_name AS file, k.detail FROM cart_state cs JOIN cart_syncs c ON c.id = cs.last_sync_id
     JOIN sync_skipped k ON k.sync_id = c.lines_set WHERE cs.merchant = ? AND cs.cart = ? AND k.code = ?
        AND k.reason = 'unsendable'`,
    [m, id, code],
  );
  const last = await slices.carts.lastDelivered(m, id);
  const newest = await slices.inventory.newestInventoryFile(m, cart.warehouse);
  return {
    lastSentOfCode: lastSentOfCode ?? null,
    unsendableInLastFile: unsendable ?? null,
    lastCartSync: last ? { at: last.synced_at, file: last.file_name } : null,
    newsPending: newest !== null && (last?.inventory_file_id ?? 0) < newest,
  };
}
