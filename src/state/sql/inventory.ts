import type { HeldLines, StagedInventory, StagedOrder } from "../types.js";
import type { SqlSession } from "./session.js";

type Counted = { n: number };

/**
 * Warehouse levels (staged and applied), orders, catalogs and aliases: what the carts are
 * computed from, on the shared SQL session (staging in the session's temporary tables).
 */
export class Inventory {
  constructor(private readonly sql: SqlSession) {}

  // ---- inventory (rules 2, 13, 14) ---------------------------------------

  async clearInventoryStage(): Promise<void> {
    await this.sql.exec("DELETE FROM stage_inventory; DELETE FROM stage_seen;");
  }

  async stageInventory(rows: readonly StagedInventory[]): Promise<void> {
    await this.sql.insertRows(
      "stage_inventory",
      ["sku", "available", "on_hand", "as_of", "written_as_of", "line"],
      rows.map((r) => [r.sku, r.available, r.onHand, r.asOf, r.writtenAsOf, r.line]),
    );
  }

  /** SKUs named by rejected lines of the file being loaded, in line order (the first line of each is kept) */
  async stageSeenSkus(seen: ReadonlyArray<{ sku: string; line: number }>): Promise<void> {
    await this.sql.insertRows(
      "stage_seen",
      ["sku", "line"],
      seen.map((r) => [r.sku, r.line]),
      "ON CONFLICT DO NOTHING",
    );
  }

  /**
   * Rule 3 with lots: the staged lines of a SKU that also has a rejected line, and of a SKU
   * whose lots add up beyond `maxSum`, are not applied (a partial or overflowing sum would be
   * a wrong level): each becomes a reject naming why, and the SKU keeps its previous level.
   */
  async holdIncompleteSkus(fileId: number, skuField: string, maxSum: number): Promise<HeldLines> {
    const { sql } = this;
    // a sum that never overflows finds the sums to refuse before any exact SUM runs
    const wide = sql.dialect.wideSum;
    await sql.run(
      `INSERT INTO stage_seen (sku, line, why)
       SELECT sku, MIN(line), 'sum' FROM stage_inventory WHERE true GROUP BY sku
       HAVING ABS(${wide("available")}) > @max OR ABS(${wide("on_hand")}) > @max
       ON CONFLICT DO NOTHING`,
      { max: maxSum },
    );
    const reason = `CASE s.why WHEN 'sum'
        THEN 'not applied: the lines of SKU ' || i.sku || ' add up beyond the limit of '
        || CAST(@limit AS TEXT) || ' units; the SKU keeps its previous level (rule 3)'
      ELSE 'not applied: line ' || CAST(s.line AS TEXT) || ' of SKU ' || i.sku || ' was rejected, and a sum '
        || 'of the other lots would be a wrong level; the SKU keeps its previous level (rule 3)' END`;
    const heldRows = `SELECT i.line, i.sku, i.available, ${reason} AS reason
      FROM stage_inventory i JOIN stage_seen s ON s.sku = i.sku`;
    const args = { limit: maxSum.toLocaleString("en-US") };
    const examples = await sql.all<HeldLines["examples"][number]>(`${heldRows} ORDER BY i.line LIMIT 20`, args);
    if (examples.length === 0) return { lines: 0, skus: 0, examples: [] };
    const { changes: lines } = await sql.run(
      `INSERT INTO rejects (file_id, line, field, value, reason, sku, severity)
       SELECT CAST(@fileId AS BIGINT), h.line, CAST(@field AS TEXT), CAST(h.available AS TEXT), h.reason, h.sku,
         'reject' FROM (${heldRows}) h ORDER BY h.line`,
      { ...args, fileId, field: skuField },
    );
    const skus = (await sql.get<Counted>(`SELECT COUNT(DISTINCT h.sku) AS n FROM (${heldRows}) h`, args))!.n;
    await sql.run("DELETE FROM stage_inventory WHERE sku IN (SELECT sku FROM stage_seen)");
    return { lines, skus, examples: examples.map(({ line, sku, reason }) => ({ line, sku, reason })) };
  }

  /** Lines staged (after holdIncompleteSkus: the lines that load). */
  async stagedInventoryLines(): Promise<number> {
    return (await this.sql.get<Counted>("SELECT COUNT(*) AS n FROM stage_inventory"))!.n;
  }

  /**
   * Applies the staged lines of one warehouse file. Lines of one SKU are summed (rule 2,
   * lots), with the oldest as-of among them. A level older than the current one is kept as
   * history and counted stale (rule 14). A full snapshot (rule 13) zeroes the SKUs it does not
   * list, as of the snapshot's time: the newest as-of written on its lines (the file's time
   * when none carries one); a level newer than that is kept.
   */
  async applyInventoryStage(p: {
    fileId: number;
    merchant: string;
    warehouse: string;
    full: boolean;
    defaultAsOf: number;
    now: number;
  }): Promise<{ loaded: number; stale: number; zeroed: number; applied: number; asOf: number }> {
    const { sql } = this;
    await sql.run("DELETE FROM stage_sum");
    const { changes: loaded } = await sql.run(`INSERT INTO stage_sum (sku, available, on_hand, as_of, line)
      SELECT sku, SUM(available), CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END, MIN(as_of), MIN(line)
      FROM stage_inventory GROUP BY sku`);
    const times = (await sql.get<{ oldest: number | null; newest: number | null }>(
      "SELECT MIN(as_of) AS oldest, MAX(written_as_of) AS newest FROM stage_inventory",
    ))!;
    const fileAsOf = times.oldest ?? p.defaultAsOf;
    const snapshotAsOf = times.newest ?? p.defaultAsOf;
    const args = { merchant: p.merchant, warehouse: p.warehouse, fileId: p.fileId, now: p.now, snapshotAsOf };
    const { changes: stale } = await sql.run(
      `INSERT INTO inventory_history (file_id, merchant, warehouse, sku, available, on_hand, as_of, line, reason)
       SELECT CAST(@fileId AS BIGINT), CAST(@merchant AS TEXT), CAST(@warehouse AS TEXT), s.sku, s.available,
         s.on_hand, s.as_of, s.line, 'stale'
       FROM stage_sum s JOIN inventory i ON i.merchant = @merchant AND i.warehouse = @warehouse AND i.sku = s.sku
       WHERE s.as_of < i.as_of`,
      args,
    );
    const { changes: upserted } = await sql.run(
      `INSERT INTO inventory (merchant, warehouse, sku, available, on_hand, as_of, loaded_at, file_id, line,
         first_file_id)
       SELECT CAST(@merchant AS TEXT), CAST(@warehouse AS TEXT), sku, available, on_hand, as_of,
         CAST(@now AS BIGINT), CAST(@fileId AS BIGINT), line, CAST(@fileId AS BIGINT) FROM stage_sum
       WHERE true
       ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET
         available = excluded.available, on_hand = excluded.on_hand, as_of = excluded.as_of,
         loaded_at = excluded.loaded_at, file_id = excluded.file_id, line = excluded.line
       WHERE excluded.as_of >= inventory.as_of`,
      args,
    );
    await sql.run(
      `INSERT INTO products (merchant, sku) SELECT CAST(@merchant AS TEXT), sku FROM stage_sum WHERE true
       ON CONFLICT DO NOTHING`,
      { merchant: p.merchant },
    );
    let zeroed = 0;
    if (p.full) {
      ({ changes: zeroed } = await sql.run(
        `UPDATE inventory SET available = 0, on_hand = CASE WHEN on_hand IS NULL THEN NULL ELSE 0 END,
           as_of = @snapshotAsOf, loaded_at = @now, file_id = @fileId, line = NULL
         WHERE merchant = @merchant AND warehouse = @warehouse AND as_of < @snapshotAsOf
           AND sku NOT IN (SELECT sku FROM stage_sum) AND sku NOT IN (SELECT sku FROM stage_seen)`,
        args,
      ));
    }
    await sql.run("DELETE FROM stage_sum");
    return { loaded, stale, zeroed, applied: upserted + zeroed, asOf: fileAsOf };
  }

  // ---- orders (rule 5: one order line counts once) -----------------------

  async clearOrderStage(): Promise<void> {
    await this.sql.run("DELETE FROM stage_orders");
  }

  async stageOrders(rows: readonly StagedOrder[]): Promise<void> {
    await this.sql.insertRows(
      "stage_orders",
      ["order_id", "line", "sku", "quantity", "ordered_at", "status", "file_line", "replace"],
      rows.map((r) => [r.orderId, r.line, r.sku, r.quantity, r.orderedAt, r.status, r.fileLine, r.replace ? 1 : 0]),
    );
  }

  /**
   * Upserts the staged order lines: a line already known is updated (the file's last line of
   * it wins: a later cancel), never added twice; each time a file lists it is counted. An
   * order whose lines replace its earlier ones (a replace PO) has its earlier lines that are
   * not repeated cancelled: they are no longer ordered (rule 5).
   */
  async applyOrderStage(p: { fileId: number; merchant: string; cart: string }): Promise<void> {
    const { sql } = this;
    await sql.run(
      `UPDATE orders SET status = 'cancelled', file_id = @fileId, times_seen = times_seen + 1
       WHERE merchant = @merchant AND cart = @cart AND status <> 'cancelled'
         AND order_id IN (SELECT order_id FROM stage_orders WHERE replace = 1)
         AND NOT EXISTS (SELECT 1 FROM stage_orders s WHERE s.order_id = orders.order_id AND s.line = orders.line)`,
      p,
    );
    await sql.run(
      `INSERT INTO order_moves (merchant, file_id, sku)
       SELECT DISTINCT CAST(@merchant AS TEXT), CAST(@fileId AS BIGINT), o.sku FROM stage_orders s
         JOIN orders o ON o.merchant = @merchant AND o.cart = @cart AND o.order_id = s.order_id AND o.line = s.line
       WHERE o.sku <> s.sku`,
      p,
    );
    // one row per order line (one statement may not update a row twice), its count as the times seen
    const order = sql.dialect.insertOrder;
    await sql.run(
      `INSERT INTO orders (merchant, cart, order_id, line, sku, quantity, ordered_at, status, file_id, file_line,
         times_seen)
       SELECT CAST(@merchant AS TEXT), CAST(@cart AS TEXT), s.order_id, s.line, s.sku, s.quantity, s.ordered_at,
         s.status, CAST(@fileId AS BIGINT), s.file_line, k.n
       FROM stage_orders s JOIN (SELECT MAX(${order}) AS last, COUNT(*) AS n FROM stage_orders
         GROUP BY order_id, line) k ON k.last = s.${order}
       WHERE true
       ON CONFLICT (merchant, cart, order_id, line) DO UPDATE SET
         sku = excluded.sku, quantity = excluded.quantity, ordered_at = excluded.ordered_at, status = excluded.status,
         file_id = excluded.file_id, file_line = excluded.file_line,
         times_seen = orders.times_seen + excluded.times_seen`,
      p,
    );
  }

  // ---- catalogs and aliases: each file is the full list ------------------

  async clearCatalog(merchant: string, cart: string): Promise<void> {
    await this.sql.run("DELETE FROM catalog WHERE merchant = ? AND cart = ?", [merchant, cart]);
  }

  /** `product`: the product's canonical fields as JSON (product sync sends them to a WMS) */
  async addCatalog(p: {
    fileId: number;
    merchant: string;
    cart: string;
    rows: Iterable<{ sku: string; inventoryEnabled: boolean; product?: string }>;
  }): Promise<void> {
    // a SKU listed twice takes its last line's values (one statement may not update a row twice)
    const last = new Map<string, unknown[]>();
    for (const r of p.rows)
      last.set(r.sku, [p.merchant, p.cart, r.sku, r.inventoryEnabled ? 1 : 0, p.fileId, r.product ?? null]);
    await this.sql.insertRows(
      "catalog",
      ["merchant", "cart", "sku", "inventory_enabled", "file_id", "product"],
      last.values(),
      `ON CONFLICT (merchant, cart, sku) DO UPDATE SET inventory_enabled = excluded.inventory_enabled,
         product = excluded.product`,
    );
  }

  async clearAliases(merchant: string): Promise<void> {
    await this.sql.run("DELETE FROM aliases WHERE merchant = ?", [merchant]);
  }

  async addAliases(p: {
    fileId: number;
    merchant: string;
    rows: Iterable<{ sku: string; aliasType: string; code: string }>;
  }): Promise<void> {
    const rows = [...p.rows].map((r) => [p.merchant, r.sku, r.aliasType, r.code, p.fileId]);
    await this.sql.insertRows(
      "aliases",
      ["merchant", "sku", "alias_type", "code", "file_id"],
      rows,
      "ON CONFLICT DO NOTHING",
    );
  }

  /** Every SKU of the alias list is a product of the merchant (after the list's last addAliases). */
  async aliasProducts(merchant: string): Promise<void> {
    await this.sql.run(
      `INSERT INTO products (merchant, sku) SELECT DISTINCT merchant, sku FROM aliases WHERE merchant = ?
       ON CONFLICT DO NOTHING`,
      [merchant],
    );
  }

  /** The newest inventory file that changed a level in the cart's warehouses (rule 4's news). */
  async newestInventoryFile(merchant: string, warehouse: string | null): Promise<number | null> {
    const r = await this.sql.get<{ id: number | null }>(
      `SELECT MAX(id) AS id FROM files WHERE merchant = @merchant AND kind = 'inventory' AND applied > 0
         AND status IN ('loaded','loaded_with_rejects')
         AND (CAST(@warehouse AS TEXT) IS NULL OR warehouse = @warehouse)`,
      { merchant, warehouse },
    );
    return r!.id;
  }

  async hasInventory(merchant: string, warehouse: string | null): Promise<boolean> {
    return !!(await this.sql.get(
      `SELECT 1 FROM inventory WHERE merchant = @merchant
         AND (CAST(@warehouse AS TEXT) IS NULL OR warehouse = @warehouse) LIMIT 1`,
      { merchant, warehouse },
    ));
  }

  /** The merchant's newest file (any kind, any outcome): cart lines computed at the same stamp are the same lines. */
  async dataStamp(merchant: string): Promise<number> {
    return (
      (await this.sql.get<{ id: number | null }>("SELECT MAX(id) AS id FROM files WHERE merchant = ?", [merchant]))!
        .id ?? 0
    );
  }
}
