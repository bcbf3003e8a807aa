import { combineWarehousesSql, drawsFromSql, orderCountsSql, orderSkuSql } from "../../domain/availability.js";
import type { CartComputation, LastDelivered, SkipReason } from "../types.js";
import { computeCartLines, type CartLines } from "./cart-lines.js";
import type { Inventory } from "./inventory.js";
import { changesOnly } from "./line-changes.js";
import type { SqlSession } from "./session.js";
import { analyzeTemp } from "./temp-tables.js";

/** The product of an order line `o` (rule 5 with rule 9's aliases): its SKU, or its alias code's one product. */
export const ORDER_SKU = orderSkuSql({
  code: "o.sku",
  isProductSku: "EXISTS (SELECT 1 FROM products p WHERE p.merchant = o.merchant AND p.sku = o.sku)",
  aliases: { from: "FROM aliases a WHERE a.merchant = o.merchant AND a.code = o.sku", sku: "a.sku" },
});

/** A merchant's warehouse choice (a cart's `warehouse`): carts of one choice share its levels after orders. */
const warehouseChoice = (c: CartComputation) => `${c.merchant}\u0000${c.warehouse ?? ""}`;

/** the cart's warehouses (rule 6), the cart's `warehouse` bound as @warehouse */
const drawsFrom = (column: string) => drawsFromSql({ warehouse: column, cartWarehouse: "CAST(@warehouse AS TEXT)" });

/** What the record of a rendered cart file carries. */
export interface RenderedFile {
  runId: number;
  merchant: string;
  cart: string;
  syncedAt: number;
  reason: string;
  fileName: string;
  outboxPath: string;
  rows: number;
  units: number;
  skipped: Record<SkipReason, number>;
  bytes: number;
  /** kept send-all files: the bytes' sha256, checked before the copy is sent again */
  sha256?: string | null;
  inventoryFileId: number | null;
  settingsHash: string;
  stateAt: number;
}

/** The cart computation (rules 5-9, 15), what each cart was sent, and its outbox of rendered files. */
export class Carts {
  constructor(
    private readonly sql: SqlSession,
    private readonly inventory: Inventory,
  ) {}

  async lastDelivered(merchant: string, cart: string): Promise<LastDelivered | undefined> {
    return this.sql.get<LastDelivered>(
      `SELECT s.id, s.synced_at, s.file_name, s.inventory_file_id, s.settings_hash, s.rows, s.units, s.skipped,
         s.skipped_by, s.lines_set, s.state_at, s.sha256 FROM cart_state c
       JOIN cart_syncs s ON s.id = c.last_sync_id WHERE c.merchant = ? AND c.cart = ?`,
      [merchant, cart],
    );
  }

  /** The next {seq} for the cart's file name; persisted so it never repeats (one statement: no two get one). */
  async nextSeq(merchant: string, cart: string): Promise<number> {
    const r = await this.sql.get<{ seq: number }>(
      `INSERT INTO cart_state (merchant, cart, seq) VALUES (?, ?, 1)
       ON CONFLICT (merchant, cart) DO UPDATE SET seq = cart_state.seq + 1 RETURNING seq`,
      [merchant, cart],
    );
    return r!.seq;
  }

  /**
   * Rule 6 (the cart's warehouses summed, oldest as-of) and rule 5 (orders of every cart
   * after that as-of, once each, cancelled excluded; an order's SKU may be an alias code of
   * one product), per merchant and warehouse choice: temp tables kept for the run's other
   * carts of the same choice, made again once the merchant's dataStamp moves (every change to
   * inventory, orders, products or aliases comes with a files row).
   */
  private baseTables = new Map<string, { table: string; stamp: number }>();

  private async cartBase(c: CartComputation): Promise<string> {
    const { sql } = this;
    const key = warehouseChoice(c);
    const stamp = await this.inventory.dataStamp(c.merchant);
    const known = this.baseTables.get(key);
    if (known?.stamp === stamp) return known.table;
    const table = known?.table ?? `cart_base_${this.baseTables.size}`;
    await sql.exec(`DROP TABLE IF EXISTS ${sql.dialect.temp(table)};
      CREATE TEMP TABLE ${table} (sku ${sql.dialect.text} PRIMARY KEY, available BIGINT NOT NULL,
        as_of BIGINT NOT NULL, ordered BIGINT NOT NULL) ${sql.dialect.keyed};
      DELETE FROM cart_orders;`);
    // rule 6: the cart's warehouses summed, as of the oldest of them
    const combined = combineWarehousesSql({ available: "available", asOf: "as_of" });
    await sql.run(
      `INSERT INTO ${table} (sku, available, as_of, ordered)
       SELECT sku, ${combined.available}, ${combined.asOf}, 0 FROM inventory
       WHERE merchant = @merchant AND ${drawsFrom("warehouse")} GROUP BY sku`,
      { merchant: c.merchant, warehouse: c.warehouse },
    );
    await analyzeTemp(sql, table);
    const oldest = (await sql.get<{ t: number | null }>(`SELECT MIN(as_of) AS t FROM ${table}`))!.t;
    // rule 5: orders at or before the oldest as-of, or cancelled, never count, so the index on
    // (merchant, ordered_at) takes only the rest
    if (oldest !== null) await this.subtractOrders(c, table, "o.ordered_at > @oldest", { oldest });
    this.baseTables.set(key, { table, stamp });
    return table;
  }

  /**
   * Rule 5 on a table of levels: each product's orders placed after its as-of (cancelled ones
   * excluded) are subtracted, and counted in `ordered`; `which` narrows the orders looked at,
   * through `index` where SQLite's planner would not choose it.
   */
  private async subtractOrders(
    c: CartComputation,
    table: string,
    which: string,
    params: Record<string, unknown>,
    index?: string,
  ): Promise<void> {
    const { sql } = this;
    await sql.run(
      `INSERT INTO cart_orders (sku, quantity)
       SELECT r.sku, SUM(r.quantity) FROM (
         SELECT ${ORDER_SKU} AS sku, o.quantity, o.ordered_at, o.status
         FROM orders o ${index ? sql.dialect.indexedBy(index) : ""}
         WHERE o.merchant = @merchant AND ${which} AND o.status <> 'cancelled'
       ) r JOIN ${table} l ON l.sku = r.sku
       WHERE ${orderCountsSql({ orderedAt: "r.ordered_at", status: "r.status", asOf: "l.as_of" })} GROUP BY r.sku`,
      { merchant: c.merchant, ...params },
    );
    // only the SKUs with orders after their as-of change
    await sql.exec(`UPDATE ${table} SET available = ${table}.available - o.quantity, ordered = o.quantity
       FROM cart_orders o WHERE o.sku = ${table}.sku;
      DELETE FROM cart_orders;`);
  }

  /**
   * The levels after orders (as cartBase gives them) of only the SKUs in temp.cart_changed_skus,
   * each marked fresh when none of the cart's warehouses had a level of it before file `since`:
   * kept, like cartBase's, for the run's other carts of the same warehouse choice whose changed
   * SKUs are the same since the same file (in a steady run, every cart's).
   */
  private changedTables = new Map<string, { table: string; since: number; stamp: number }>();

  private async changedBase(c: CartComputation, since: number): Promise<string> {
    const { sql } = this;
    const key = warehouseChoice(c);
    const stamp = await this.inventory.dataStamp(c.merchant);
    const known = this.changedTables.get(key);
    if (known?.since === since && known.stamp === stamp && (await this.sameSkus(`${known.table}_skus`)))
      return known.table;
    const table = known?.table ?? `cart_base_changed_${this.changedTables.size}`;
    const { temp, text, keyed } = sql.dialect;
    await sql.exec(`DROP TABLE IF EXISTS ${temp(table)}; DROP TABLE IF EXISTS ${temp(`${table}_skus`)};
      CREATE TEMP TABLE ${table} (sku ${text} PRIMARY KEY, available BIGINT NOT NULL, as_of BIGINT NOT NULL,
         ordered BIGINT NOT NULL, fresh BIGINT NOT NULL) ${keyed};
      CREATE TEMP TABLE ${table}_skus (sku ${text} PRIMARY KEY) ${keyed};
      INSERT INTO ${table}_skus SELECT sku FROM cart_changed_skus;
      DELETE FROM cart_orders;`);
    const combined = combineWarehousesSql({ available: "i.available", asOf: "i.as_of" });
    await sql.run(
      `INSERT INTO ${table} (sku, available, as_of, ordered, fresh)
       SELECT i.sku, ${combined.available}, ${combined.asOf}, 0,
         CASE WHEN MIN(i.first_file_id) > @since THEN 1 ELSE 0 END FROM inventory i
       WHERE i.merchant = @merchant AND i.sku IN (SELECT sku FROM cart_changed_skus)
         AND ${drawsFrom("i.warehouse")} GROUP BY i.sku`,
      { merchant: c.merchant, warehouse: c.warehouse, since },
    );
    await analyzeTemp(sql, table);
    // the orders of those SKUs: by SKU, or by any of their alias codes (rule 9)
    // (IN, not a join from the SKUs: joined, SQLite's planner walks every order of the merchant for each SKU;
    // and told the index: without it, it walks them all once, 100 ms a cart at 60k orders)
    const theirs = `o.sku IN (SELECT sku FROM ${table} UNION
      SELECT a.code FROM ${table} t CROSS JOIN aliases a WHERE a.merchant = @merchant AND a.sku = t.sku)`;
    await this.subtractOrders(c, table, theirs, {}, "orders_by_sku");
    this.changedTables.set(key, { table, since, stamp });
    return table;
  }

  /** temp.cart_changed_skus holds the SKUs of table `skus`, no more, no fewer */
  private async sameSkus(skus: string): Promise<boolean> {
    const r = await this.sql.get<{ same: number }>(
      `SELECT CASE WHEN (SELECT COUNT(*) FROM cart_changed_skus) = (SELECT COUNT(*) FROM ${skus})
         AND NOT EXISTS (SELECT sku FROM cart_changed_skus EXCEPT SELECT sku FROM ${skus}) THEN 1 ELSE 0 END AS same`,
    );
    return r!.same === 1;
  }

  /** Cart files rendered but not delivered yet, oldest first. */
  async pendingDeliveries(
    merchant: string,
    cart: string,
  ): Promise<Array<{ id: number; file_name: string; outbox_path: string; synced_at: number }>> {
    return this.sql.all(
      `SELECT id, file_name, outbox_path, synced_at FROM cart_syncs WHERE status = 'pending' AND merchant = ?
         AND cart = ? ORDER BY id`,
      [merchant, cart],
    );
  }

  /** A delivery attempt failed: the file stays pending for the next run. */
  async deliveryFailed(id: number, error: string): Promise<void> {
    await this.sql.run("UPDATE cart_syncs SET attempts = attempts + 1, error = ? WHERE id = ?", [error, id]);
  }

  /** The outbox file of a pending sync is gone: that sync is failed, so the cart's next run makes a new one. */
  async deliveryLost(id: number, error: string): Promise<void> {
    await this.sql.run("UPDATE cart_syncs SET status = 'failed', error = ? WHERE id = ? AND status = 'pending'", [
      error,
      id,
    ]);
  }

  /** The file is published: its lines now count as sent (View Product Sync), and it is the cart's last sync. */
  async markDelivered(id: number, d: { fileName: string; location: string; at: number }): Promise<void> {
    const { sql } = this;
    await sql.transaction(async () => {
      const s = await sql.get<{ merchant: string; cart: string }>(
        "SELECT merchant, cart FROM cart_syncs WHERE id = ? AND status = 'pending'",
        [id],
      );
      if (!s) return;
      await sql.run(
        `UPDATE cart_syncs SET status = 'delivered', file_name = ?, location = ?, delivered_at = ?,
           attempts = attempts + 1, error = NULL WHERE id = ?`,
        [d.fileName, d.location, d.at, id],
      );
      await sql.run(
        `INSERT INTO cart_state (merchant, cart, last_sync_id) VALUES (?, ?, ?) ON CONFLICT (merchant, cart)
           DO UPDATE SET last_sync_id = excluded.last_sync_id`,
        [s.merchant, s.cart, id],
      );
    });
  }

  async recordFailedSync(s: {
    runId: number;
    merchant: string;
    cart: string;
    syncedAt: number;
    reason: string;
    fileName: string | null;
    error: string;
  }): Promise<void> {
    await this.sql.run(
      `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, error)
       VALUES (@runId, @merchant, @cart, @syncedAt, 'failed', @reason, @fileName, @error)`,
      s,
    );
  }

  /** A send-all file that repeats the lines of an earlier one (restamped): recorded with that file's line set. */
  async recordRepeat(s: RenderedFile & { linesOf: number }): Promise<number> {
    return insertCartSync(this.sql, s);
  }

  /**
   * Computes the lines of a cart's next file (rules 5-9, 15): a handle that owns the temporary
   * tables holding them until it is closed. One computation is open at a time. `onlyChanged`
   * (the cart's settings hash): where it can, only the lines whose inputs changed since the
   * cart's last delivered file are computed (lines.restricted), to patch that file with.
   */
  async compute(c: CartComputation, opts: { onlyChanged?: string } = {}): Promise<CartLines> {
    if (this.open) throw new Error(`the lines of cart ${this.open} are still open: close them first`);
    const scope = opts.onlyChanged === undefined ? undefined : await changesOnly(this.sql, c, opts.onlyChanged);
    const base = scope ? await this.changedBase(c, scope.prev.state_at!) : await this.cartBase(c);
    const lines = await computeCartLines(this.sql, c, base, () => (this.open = undefined), scope);
    this.open = c.cart;
    return lines;
  }

  private open: string | undefined;
}

/**
 * A cart file's record, waiting in the outbox (pending) with its line set: its own, or
 * (`linesOf`) the set of the earlier file whose lines it repeats, which writes no lines.
 */
export async function insertCartSync(sql: SqlSession, s: RenderedFile & { linesOf?: number }): Promise<number> {
  const { linesOf, skipped, ...rest } = s;
  const row = {
    sha256: null,
    ...rest,
    skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
    skippedBy: JSON.stringify(skipped),
  };
  return sql.transaction(async () => {
    const { id } = (await sql.get<{ id: number }>(
      `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, outbox_path, rows,
         units, skipped, bytes, sha256, inventory_file_id, settings_hash, state_at, skipped_by)
       VALUES (@runId, @merchant, @cart, @syncedAt, 'pending', @reason, @fileName, @outboxPath, @rows, @units,
         @skipped, @bytes, @sha256, @inventoryFileId, @settingsHash, @stateAt, @skippedBy) RETURNING id`,
      row,
    ))!;
    await sql.run("UPDATE cart_syncs SET lines_set = ? WHERE id = ?", [linesOf ?? id, id]);
    return id;
  });
}
