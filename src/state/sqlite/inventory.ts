import type { HeldLines, StagedInventory, StagedOrder } from "../types.js";
import { Slice } from "./slice.js";

/** Warehouse levels (staged and applied), orders, catalogs and aliases: what the carts are computed from. */
export class SqliteInventory extends Slice {
  // ---- inventory (rules 2, 13, 14) ---------------------------------------

  async clearInventoryStage(): Promise<void> {
    this.db.exec("DELETE FROM stage_inventory; DELETE FROM stage_seen;");
  }

  async stageInventory(rows: readonly StagedInventory[]): Promise<void> {
    const insert = this.db.prepare(
      "INSERT INTO stage_inventory (sku, available, on_hand, as_of, written_as_of, line) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const r of rows) insert.run(r.sku, r.available, r.onHand, r.asOf, r.writtenAsOf, r.line);
  }

  /** a SKU named by a rejected line: it keeps its level, and a full snapshot must not zero it */
  /** SKUs named by rejected lines of the file being loaded, in line order (the first line of each is kept) */
  async stageSeenSkus(seen: ReadonlyArray<{ sku: string; line: number }>): Promise<void> {
    const put = this.db.prepare("INSERT OR IGNORE INTO stage_seen (sku, line) VALUES (?, ?)");
    for (const r of seen) put.run(r.sku, r.line);
  }

  /**
   * Rule 3 with lots: the staged lines of a SKU that also has a rejected line, and of a SKU
   * whose lots add up beyond `maxSum`, are not applied (a partial or overflowing sum would be
   * a wrong level): each becomes a reject naming why, and the SKU keeps its previous level.
   */
  async holdIncompleteSkus(fileId: number, skuField: string, maxSum: number): Promise<HeldLines> {
    const db = this.db;
    // TOTAL is a float and never overflows: it finds the sums to refuse before any exact SUM runs
    db.prepare(
      `INSERT OR IGNORE INTO stage_seen (sku, line, why)
       SELECT sku, MIN(line), 'sum' FROM stage_inventory GROUP BY sku
       HAVING ABS(TOTAL(available)) > @max OR ABS(TOTAL(on_hand)) > @max`,
    ).run({ max: maxSum });
    const reason = `CASE s.why WHEN 'sum'
        THEN 'not applied: the lines of SKU ' || i.sku || ' add up beyond the limit of '
        || @limit || ' units; the SKU keeps its previous level (rule 3)'
      ELSE 'not applied: line ' || s.line || ' of SKU ' || i.sku || ' was rejected, and a sum of the other lots '
        || 'would be a wrong level; the SKU keeps its previous level (rule 3)' END`;
    const heldRows = `SELECT i.line, i.sku, i.available, ${reason} AS reason
      FROM stage_inventory i JOIN stage_seen s ON s.sku = i.sku`;
    const args = { limit: maxSum.toLocaleString("en-US") };
    const examples = db.prepare(`${heldRows} ORDER BY i.line LIMIT 20`).all(args) as Array<
      HeldLines["examples"][number]
    >;
    if (examples.length === 0) return { lines: 0, skus: 0, examples: [] };
    const lines = db
      .prepare(
        `INSERT INTO rejects (file_id, line, field, value, reason, sku, severity)
         SELECT @fileId, line, @field, available, reason, sku, 'reject' FROM (${heldRows}) ORDER BY line`,
      )
      .run({ ...args, fileId, field: skuField }).changes;
    const skus = (db.prepare(`SELECT COUNT(DISTINCT sku) AS n FROM (${heldRows})`).get(args) as { n: number }).n;
    db.exec("DELETE FROM stage_inventory WHERE sku IN (SELECT sku FROM stage_seen)");
    return { lines, skus, examples: examples.map(({ line, sku, reason }) => ({ line, sku, reason })) };
  }

  /** Lines staged (after holdIncompleteSkus: the lines that load). */
  async stagedInventoryLines(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM stage_inventory").get() as { n: number }).n;
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
  }): Promise<{
    loaded: number;
    stale: number;
    zeroed: number;
    applied: number;
    asOf: number;
  }> {
    const db = this.db;
    db.exec("DROP TABLE IF EXISTS temp.stage_sum");
    db.exec(`CREATE TEMP TABLE stage_sum AS
      SELECT sku, SUM(available) AS available,
             CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END AS on_hand,
             MIN(as_of) AS as_of, MIN(line) AS line
      FROM stage_inventory GROUP BY sku`);
    const loaded = (db.prepare("SELECT COUNT(*) AS n FROM stage_sum").get() as { n: number }).n;
    const times = db
      .prepare("SELECT MIN(as_of) AS oldest, MAX(written_as_of) AS newest FROM stage_inventory")
      .get() as {
      oldest: number | null;
      newest: number | null;
    };
    const fileAsOf = times.oldest ?? p.defaultAsOf;
    const snapshotAsOf = times.newest ?? p.defaultAsOf;
    const args = { merchant: p.merchant, warehouse: p.warehouse, fileId: p.fileId, now: p.now, snapshotAsOf };
    const stale = db
      .prepare(
        `INSERT INTO inventory_history (file_id, merchant, warehouse, sku, available, on_hand, as_of, line, reason)
         SELECT @fileId, @merchant, @warehouse, s.sku, s.available, s.on_hand, s.as_of, s.line, 'stale'
         FROM stage_sum s JOIN inventory i ON i.merchant = @merchant AND i.warehouse = @warehouse AND i.sku = s.sku
         WHERE s.as_of < i.as_of`,
      )
      .run(args).changes;
    const upserted = db
      .prepare(
        `INSERT INTO inventory (merchant, warehouse, sku, available, on_hand, as_of, loaded_at, file_id, line,
           first_file_id)
         SELECT @merchant, @warehouse, sku, available, on_hand, as_of, @now, @fileId, line, @fileId FROM stage_sum
         WHERE true
         ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET
           available = excluded.available, on_hand = excluded.on_hand, as_of = excluded.as_of,
           loaded_at = excluded.loaded_at, file_id = excluded.file_id, line = excluded.line
         WHERE excluded.as_of >= inventory.as_of`,
      )
      .run(args).changes;
    db.prepare("INSERT OR IGNORE INTO products (merchant, sku) SELECT @merchant, sku FROM stage_sum").run({
      merchant: p.merchant,
    });
    let zeroed = 0;
    if (p.full) {
      zeroed = db
        .prepare(
          `UPDATE inventory SET available = 0, on_hand = CASE WHEN on_hand IS NULL THEN NULL ELSE 0 END,
             as_of = @snapshotAsOf, loaded_at = @now, file_id = @fileId, line = NULL
           WHERE merchant = @merchant AND warehouse = @warehouse AND as_of < @snapshotAsOf
             AND sku NOT IN (SELECT sku FROM stage_sum) AND sku NOT IN (SELECT sku FROM stage_seen)`,
        )
        .run(args).changes;
    }
    db.exec("DROP TABLE temp.stage_sum");
    return { loaded, stale, zeroed, applied: upserted + zeroed, asOf: fileAsOf };
  }

  // ---- orders (rule 5: one order line counts once) -----------------------

  async clearOrderStage(): Promise<void> {
    this.db.exec("DELETE FROM stage_orders");
  }

  async stageOrders(rows: readonly StagedOrder[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO stage_orders (order_id, line, sku, quantity, ordered_at, status, file_line, replace) 
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows)
      insert.run(r.orderId, r.line, r.sku, r.quantity, r.orderedAt, r.status, r.fileLine, r.replace ? 1 : 0);
  }

  /**
   * Upserts the staged order lines: a line already known is updated (a later cancel wins),
   * never added twice. An order whose lines replace its earlier ones (a replace PO) has its
   * earlier lines that are not repeated cancelled: they are no longer ordered (rule 5).
   */
  async applyOrderStage(p: { fileId: number; merchant: string; cart: string }): Promise<void> {
    this.db
      .prepare(
        `UPDATE orders SET status = 'cancelled', file_id = @fileId, times_seen = times_seen + 1
         WHERE merchant = @merchant AND cart = @cart AND status <> 'cancelled'
           AND order_id IN (SELECT order_id FROM stage_orders WHERE replace = 1)
           AND NOT EXISTS (SELECT 1 FROM stage_orders s WHERE s.order_id = orders.order_id AND s.line = orders.line)`,
      )
      .run(p);
    this.db
      .prepare(
        `INSERT INTO order_moves (merchant, file_id, sku)
         SELECT DISTINCT @merchant, @fileId, o.sku FROM stage_orders s JOIN orders o ON o.merchant = @merchant
           AND o.cart = @cart AND o.order_id = s.order_id AND o.line = s.line
         WHERE o.sku <> s.sku`,
      )
      .run(p);
    this.db
      .prepare(
        `INSERT INTO orders (merchant, cart, order_id, line, sku, quantity, ordered_at, status, file_id, file_line)
         SELECT @merchant, @cart, order_id, line, sku, quantity, ordered_at, status, @fileId, file_line
            FROM stage_orders WHERE true ORDER BY rowid
         ON CONFLICT (merchant, cart, order_id, line) DO UPDATE SET
           sku = excluded.sku, quantity = excluded.quantity, ordered_at = excluded.ordered_at, status = excluded.status,
           file_id = excluded.file_id, file_line = excluded.file_line, times_seen = orders.times_seen + 1`,
      )
      .run(p);
  }

  // ---- catalogs and aliases: each file is the full list ------------------

  async clearCatalog(merchant: string, cart: string): Promise<void> {
    this.db.prepare("DELETE FROM catalog WHERE merchant = ? AND cart = ?").run(merchant, cart);
  }

  /** `product`: the product's canonical fields as JSON (product sync sends them to a WMS) */
  async addCatalog(p: {
    fileId: number;
    merchant: string;
    cart: string;
    rows: Iterable<{ sku: string; inventoryEnabled: boolean; product?: string }>;
  }): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO catalog (merchant, cart, sku, inventory_enabled, file_id, product) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (merchant, cart, sku) DO UPDATE SET inventory_enabled = excluded.inventory_enabled,
          product = excluded.product`,
    );
    for (const r of p.rows)
      insert.run(p.merchant, p.cart, r.sku, r.inventoryEnabled ? 1 : 0, p.fileId, r.product ?? null);
  }

  async clearAliases(merchant: string): Promise<void> {
    this.db.prepare("DELETE FROM aliases WHERE merchant = ?").run(merchant);
  }

  async addAliases(p: {
    fileId: number;
    merchant: string;
    rows: Iterable<{ sku: string; aliasType: string; code: string }>;
  }): Promise<void> {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO aliases (merchant, sku, alias_type, code, file_id) VALUES (?, ?, ?, ?, ?)",
    );
    for (const r of p.rows) insert.run(p.merchant, r.sku, r.aliasType, r.code, p.fileId);
  }

  /** Every SKU of the alias list is a product of the merchant (after the list's last addAliases). */
  async aliasProducts(merchant: string): Promise<void> {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO products (merchant, sku) SELECT DISTINCT merchant, sku FROM aliases WHERE merchant = ?",
      )
      .run(merchant);
  }

  /** The newest inventory file that changed a level in the cart's warehouses (rule 4's news). */
  async newestInventoryFile(merchant: string, warehouse: string | null): Promise<number | null> {
    const r = this.db
      .prepare(
        `SELECT MAX(id) AS id FROM files WHERE merchant = @merchant AND kind = 'inventory' AND applied > 0
           AND status IN ('loaded','loaded_with_rejects') AND (@warehouse IS NULL OR warehouse = @warehouse)`,
      )
      .get({ merchant, warehouse }) as { id: number | null };
    return r.id;
  }

  async hasInventory(merchant: string, warehouse: string | null): Promise<boolean> {
    return !!this.db
      .prepare(
        "SELECT 1 FROM inventory WHERE merchant = @merchant AND (@warehouse IS NULL OR warehouse = @warehouse) LIMIT 1",
      )
      .get({ merchant, warehouse });
  }

  /** The merchant's newest file (any kind, any outcome): cart lines computed at the same stamp are the same lines. */
  async dataStamp(merchant: string): Promise<number> {
    return (
      (this.db.prepare("SELECT MAX(id) AS id FROM files WHERE merchant = ?").get(merchant) as { id: number | null })
        .id ?? 0
    );
  }
}
