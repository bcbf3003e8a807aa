/**
 * DOMAIN rules 1, 2, 5 and 6 as plain functions over plain records, each with its SQL form
 * (`...Sql`): the store computes the same thing set-based for millions of SKUs by building its
 * queries from these, over its own table and column names. test/domain/availability.test.ts
 * proves each pair equal; the plain functions are also the explanation a person reads.
 */
export interface WarehouseLevel {
  warehouse: string;
  /** rule 1: quantity available, never on hand */
  available: number;
  /** epoch milliseconds, UTC */
  asOf: number;
}

export type OrderStatus = "open" | "shipped" | "cancelled";

export interface OrderLine {
  cart: string;
  orderId: string;
  line: number;
  sku: string;
  quantity: number;
  /** epoch milliseconds, UTC */
  orderedAt: number;
  status: OrderStatus;
}

export type OrderVerdict = "subtracted" | "before-as-of" | "cancelled" | "duplicate";

/** Rule 6: a cart draws from one named warehouse, or from all of the merchant's (null). */
export function drawsFrom(cartWarehouse: string | null, warehouse: string): boolean {
  return cartWarehouse === null || warehouse === cartWarehouse;
}

/** Rule 6 as SQL: whether the row's warehouse column is one the cart draws from (a bound parameter or literal). */
export function drawsFromSql(e: { warehouse: string; cartWarehouse: string }): string {
  return `(${e.cartWarehouse} IS NULL OR ${e.warehouse} = ${e.cartWarehouse})`;
}

/**
 * Rule 6 (and 5's "oldest as-of"): the warehouses a cart draws from are summed, and the
 * as-of of the sum is the oldest among the warehouses that carry the SKU, so orders are
 * never missed for any of them (never oversell).
 */
export function combineWarehouses(levels: readonly WarehouseLevel[]): { available: number; asOf: number } | null {
  if (levels.length === 0) return null;
  let available = 0;
  let asOf = Number.POSITIVE_INFINITY;
  for (const l of levels) {
    available += l.available;
    if (l.asOf < asOf) asOf = l.asOf;
  }
  return { available, asOf };
}

/** combineWarehouses as SQL aggregates over the rows of one SKU's levels (GROUP BY the SKU). */
export function combineWarehousesSql(e: { available: string; asOf: string }): { available: string; asOf: string } {
  return { available: `SUM(${e.available})`, asOf: `MIN(${e.asOf})` };
}

export function orderLineKey(o: Pick<OrderLine, "cart" | "orderId" | "line">): string {
  return `${o.cart}\u0000${o.orderId}\u0000${o.line}`;
}

/**
 * Rule 5: an order line is subtracted when it was placed strictly after the as-of time of
 * the level (an order at the as-of instant is inside the snapshot), is not cancelled, and
 * was not already counted (same cart, order id and line). Orders from every cart count.
 */
export function judgeOrderLines(
  lines: readonly OrderLine[],
  asOf: number,
): Array<{ line: OrderLine; verdict: OrderVerdict }> {
  const seen = new Set<string>();
  return lines.map((line) => {
    const key = orderLineKey(line);
    if (seen.has(key)) return { line, verdict: "duplicate" as const };
    seen.add(key);
    if (line.status === "cancelled") return { line, verdict: "cancelled" as const };
    if (!orderCounts(line, asOf)) return { line, verdict: "before-as-of" as const };
    return { line, verdict: "subtracted" as const };
  });
}

/**
 * Rule 5 for one order line seen once: it is subtracted from a level as of `asOf` when it was
 * placed strictly after it (an order at the as-of instant is inside the snapshot) and is not
 * cancelled. (The same line seen twice is one row in the store: its key is the table's.)
 */
export function orderCounts(line: Pick<OrderLine, "orderedAt" | "status">, asOf: number): boolean {
  return line.status !== "cancelled" && line.orderedAt > asOf;
}

/** orderCounts as SQL over the line's ordered-at and status and the level's as-of. */
export function orderCountsSql(e: { orderedAt: string; status: string; asOf: string }): string {
  return `(${e.status} <> 'cancelled' AND ${e.orderedAt} > ${e.asOf})`;
}

/** Available for a cart before its allocation rules: warehouses summed, minus later orders. */
export function availableAfterOrders(
  levels: readonly WarehouseLevel[],
  orders: readonly OrderLine[],
): { available: number; asOf: number; ordersSubtracted: number } | null {
  const combined = combineWarehouses(levels);
  if (!combined) return null;
  let ordersSubtracted = 0;
  for (const j of judgeOrderLines(orders, combined.asOf))
    if (j.verdict === "subtracted") ordersSubtracted += j.line.quantity;
  return { available: combined.available - ordersSubtracted, asOf: combined.asOf, ordersSubtracted };
}

/**
 * Rule 5 with rule 9's aliases: the product an order line is of. The code an order carries is
 * the product's SKU when a product has that SKU; otherwise the SKU of the one product whose
 * alias code it is. A code two products share names neither: it is never guessed.
 */
export function orderSku(code: string, e: { isProductSku: boolean; aliasSkus: readonly string[] }): string | null {
  if (e.isProductSku) return code;
  const skus = new Set(e.aliasSkus);
  return skus.size === 1 ? [...skus][0] : null;
}

/**
 * orderSku as SQL: `isProductSku` a boolean expression; `aliases` the rows whose alias code is
 * the order's code (a FROM ... WHERE clause) and the column of their SKU.
 */
export function orderSkuSql(e: { code: string; isProductSku: string; aliases: { from: string; sku: string } }): string {
  const { from, sku } = e.aliases;
  return `CASE WHEN ${e.isProductSku} THEN ${e.code}
    ELSE (SELECT CASE WHEN COUNT(DISTINCT ${sku}) = 1 THEN MIN(${sku}) END ${from}) END`;
}
