/**
 * DOMAIN rules 1, 2, 5 and 6 as plain functions over plain records. The store computes the
 * same thing set-based in SQL for millions of SKUs; these functions are the reference the
 * store is tested against, and the explanation a person reads.
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
    if (!(line.orderedAt > asOf)) return { line, verdict: "before-as-of" as const };
    return { line, verdict: "subtracted" as const };
  });
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
