import type Database from "better-sqlite3";
import { levelForCartSql } from "../../domain/allocation.js";
import {
  NO_SKIPS,
  type CartComputation,
  type CartRow,
  type DiffRow,
  type LastDelivered,
  type SkipReason,
} from "../types.js";
import type { SqliteInventory } from "./inventory.js";
import { Slice } from "./slice.js";

/**
 * An alias cart's lines, materialized in file order (code, then SKU); code '' where a product
 * has no alias code. A SKU cart needs no copy: its lines are read straight off the levels.
 */
const CART_ALIASED = `CREATE TEMP TABLE cart_aliased (code TEXT NOT NULL, sku TEXT NOT NULL, available INTEGER NOT NULL, as_of INTEGER NOT NULL,
  ordered INTEGER NOT NULL, quantity INTEGER NOT NULL, skip TEXT, PRIMARY KEY (code, sku)) WITHOUT ROWID`;
/** cart lines handed to the render loop per query */
const CART_PAGE = 4096;

/** The cart computation (rules 5-9, 15), what each cart was sent, and its outbox of rendered files. */
export class SqliteCarts extends Slice {
  constructor(
    db: Database.Database,
    private readonly inventory: SqliteInventory,
  ) {
    super(db);
  }

  lastDelivered(merchant: string, cart: string): LastDelivered | undefined {
    return this.db
      .prepare(
        `SELECT s.id, s.synced_at, s.file_name, s.inventory_file_id, s.settings_hash, s.rows, s.units, s.skipped, s.skipped_by,
           s.lines_set, s.state_at, s.sha256 FROM cart_state c
         JOIN cart_syncs s ON s.id = c.last_sync_id WHERE c.merchant = ? AND c.cart = ?`,
      )
      .get(merchant, cart) as LastDelivered | undefined;
  }

  /** The next {seq} for the cart's file name; persisted so it never repeats. */
  nextSeq(merchant: string, cart: string): number {
    return this.transaction(() => {
      this.db
        .prepare("INSERT INTO cart_state (merchant, cart, seq) VALUES (?, ?, 0) ON CONFLICT DO NOTHING")
        .run(merchant, cart);
      this.db.prepare("UPDATE cart_state SET seq = seq + 1 WHERE merchant = ? AND cart = ?").run(merchant, cart);
      return (
        this.db.prepare("SELECT seq FROM cart_state WHERE merchant = ? AND cart = ?").get(merchant, cart) as {
          seq: number;
        }
      ).seq;
    });
  }

  /**
   * Rule 6 (the cart's warehouses summed, oldest as-of) and rule 5 (orders of every cart
   * after that as-of, once each, cancelled excluded; an order's SKU may be an alias code of
   * one product), per merchant and warehouse choice: temp tables kept for the run's other
   * carts of the same choice, made again once the merchant's dataStamp moves (every change to
   * inventory, orders, products or aliases comes with a files row).
   */
  private baseTables = new Map<string, { table: string; stamp: number }>();

  private cartBase(c: CartComputation): string {
    const db = this.db;
    const key = `${c.merchant}\u0000${c.warehouse ?? ""}`;
    const stamp = this.inventory.dataStamp(c.merchant);
    const known = this.baseTables.get(key);
    if (known?.stamp === stamp) return known.table;
    const table = known?.table ?? `cart_base_${this.baseTables.size}`;
    db.exec(`DROP TABLE IF EXISTS temp.${table};
      CREATE TEMP TABLE ${table} (sku TEXT PRIMARY KEY, available INTEGER NOT NULL, as_of INTEGER NOT NULL, ordered INTEGER NOT NULL) WITHOUT ROWID;
      DELETE FROM cart_orders;`);
    db.prepare(
      `INSERT INTO ${table} (sku, available, as_of, ordered)
       SELECT sku, SUM(available), MIN(as_of), 0 FROM inventory
       WHERE merchant = @merchant AND (@warehouse IS NULL OR warehouse = @warehouse) GROUP BY sku`,
    ).run(c);
    const oldest = (db.prepare(`SELECT MIN(as_of) AS t FROM ${table}`).get() as { t: number | null }).t;
    if (oldest !== null) {
      db.prepare(
        `INSERT INTO cart_orders (sku, quantity)
         SELECT r.sku, SUM(r.quantity) FROM (
           SELECT CASE WHEN EXISTS (SELECT 1 FROM products p WHERE p.merchant = o.merchant AND p.sku = o.sku) THEN o.sku
                       ELSE (SELECT MIN(a.sku) FROM aliases a WHERE a.merchant = o.merchant AND a.code = o.sku HAVING COUNT(DISTINCT a.sku) = 1)
                  END AS sku, o.quantity, o.ordered_at
           FROM orders o WHERE o.merchant = @merchant AND o.ordered_at > @oldest AND o.status <> 'cancelled'
         ) r JOIN ${table} l ON l.sku = r.sku
         WHERE r.ordered_at > l.as_of GROUP BY r.sku`,
      ).run({ merchant: c.merchant, oldest });
      // only the SKUs with orders after their as-of change
      db.exec(`UPDATE ${table} SET available = ${table}.available - o.quantity, ordered = o.quantity FROM cart_orders o WHERE o.sku = ${table}.sku;
        DELETE FROM cart_orders;`);
    }
    this.baseTables.set(key, { table, stamp });
    return table;
  }

  /**
   * Makes temp.cart_out every line of the cart's next file, in file order, with why a product
   * is left out (skip): the merchant's levels after orders for the cart's warehouses
   * (cartBase), then rule 9 (alias codes), the catalog's inventory flag, and rules 8/15 (the
   * domain's levelForCart, as SQL). cart_out is a view: over the levels themselves for a cart
   * by SKU (no copy of a million lines), over a table built here for a cart by alias code.
   */
  computeCart(c: CartComputation): { rows: number; units: number; skipped: Record<SkipReason, number> } {
    const db = this.db;
    // dropped and made again: a DELETE of a million lines would touch every page
    db.exec("DROP VIEW IF EXISTS temp.cart_out; DROP TABLE IF EXISTS temp.cart_aliased; DELETE FROM cart_unsendable;");
    const base = this.cartBase(c);
    // only values of the config go into the SQL text; they are checked integers and quoted strings
    const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const level = levelForCartSql("l.available", c);
    // the catalog is looked up only for carts that have one
    const hasCatalog = !!db
      .prepare("SELECT 1 FROM catalog WHERE merchant = ? AND cart = ? LIMIT 1")
      .get(c.merchant, c.cart);
    const catalogOff = (code: string) =>
      hasCatalog
        ? `WHEN (SELECT inventory_enabled FROM catalog k WHERE k.merchant = ${q(c.merchant)} AND k.cart = ${q(c.cart)} AND k.sku = ${code}) = 0 THEN 'inventory-disabled'`
        : "";
    // lines the writer could not carry are looked up only once there are some (markUnsendable)
    const unsendable = (code: string, sku: string) => (withUnsendable: boolean) =>
      withUnsendable
        ? `WHEN EXISTS (SELECT 1 FROM cart_unsendable u WHERE u.code = ${code} AND u.sku = ${sku}) THEN 'unsendable'`
        : "";
    if (c.alias === null) {
      const unsent = unsendable("l.sku", "l.sku");
      this.cartOutSql = (u) => `CREATE TEMP VIEW cart_out AS
        SELECT l.sku AS code, l.sku AS sku, l.available AS available, l.as_of AS as_of, l.ordered AS ordered, ${level} AS quantity,
               CASE ${catalogOff("l.sku")} ${unsent(u)} WHEN false THEN NULL END AS skip
        FROM ${base} l`;
    } else {
      db.exec(CART_ALIASED);
      db.prepare(
        `INSERT INTO cart_aliased (code, sku, available, as_of, ordered, quantity, skip)
         SELECT COALESCE(a.code, ''), l.sku, l.available, l.as_of, l.ordered, ${level},
                CASE WHEN a.code IS NULL THEN 'no-alias'
                     WHEN EXISTS (SELECT 1 FROM aliases d WHERE d.merchant = @merchant AND d.alias_type = @alias AND d.code = a.code AND d.sku <> a.sku) THEN 'duplicate-alias'
                     ${catalogOff("a.code")}
                END
         FROM ${base} l LEFT JOIN aliases a ON a.merchant = @merchant AND a.sku = l.sku AND a.alias_type = @alias`,
      ).run({ merchant: c.merchant, alias: c.alias });
      const unsent = unsendable("a.code", "a.sku");
      this.cartOutSql = (u) => `CREATE TEMP VIEW cart_out AS
        SELECT a.code, a.sku, a.available, a.as_of, a.ordered, a.quantity, CASE WHEN a.skip IS NOT NULL THEN a.skip ${unsent(u)} END AS skip
        FROM cart_aliased a`;
    }
    db.exec(this.cartOutSql(false));
    // one pass: lines and units sent, products left out by reason
    const totals = { rows: 0, units: 0 };
    const skipped: Record<SkipReason, number> = { ...NO_SKIPS };
    for (const r of db
      .prepare("SELECT skip, COUNT(*) AS n, SUM(quantity) AS units FROM cart_out GROUP BY skip")
      .all() as Array<{ skip: SkipReason | null; n: number; units: number }>) {
      if (r.skip === null) Object.assign(totals, { rows: r.n, units: r.units });
      else skipped[r.skip] = r.n;
    }
    return { ...totals, skipped };
  }

  /** The computed lines of the cart's file, in code order (read-only while iterating). */
  cartRows(): IterableIterator<CartRow> {
    return this.db
      .prepare(
        "SELECT code, sku, available, as_of AS asOf, ordered, quantity FROM cart_out WHERE skip IS NULL ORDER BY code",
      )
      .iterate() as IterableIterator<CartRow>;
  }

  /**
   * The same lines for the render loop, a page at a time (better-sqlite3 hands over a page of
   * arrays faster than it steps a row at a time): [code, sku, quantity, available, asOf], with
   * available and asOf only when `want` asks for them (null otherwise).
   */
  *cartRowsRaw(want: {
    available: boolean;
    asOf: boolean;
  }): Generator<[string, string, number, number | null, number | null]> {
    // codes are unique among the lines sent (one code on two SKUs is a duplicate alias, left out)
    const page = this.db
      .prepare(
        `SELECT code, NULLIF(sku, code), quantity, ${want.available ? "available" : "NULL"}, ${want.asOf ? "as_of" : "NULL"} FROM cart_out
         WHERE skip IS NULL AND code > ? ORDER BY code LIMIT ${CART_PAGE}`,
      )
      .raw();
    let after = "";
    for (;;) {
      const rows = page.all(after) as Array<[string, string | null, number, number | null, number | null]>;
      for (const r of rows) r[1] ??= r[0];
      yield* rows as Array<[string, string, number, number | null, number | null]>;
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  /** Up to `perReason` of the products left out for each reason (the first in file order). */
  skippedRows(perReason: number): Array<{ sku: string; code: string | null; skip: SkipReason }> {
    const some = this.db.prepare("SELECT sku, NULLIF(code, '') AS code, skip FROM cart_out WHERE skip = ? LIMIT ?");
    return (Object.keys(NO_SKIPS) as SkipReason[]).flatMap(
      (reason) => some.all(reason, perReason) as Array<{ sku: string; code: string | null; skip: SkipReason }>,
    );
  }

  /**
   * What the computed cart lines change against the last file delivered to the cart: codes
   * added, removed, and levels changed (every code of a delivered file carries its sync id).
   */
  diffWithLastDelivery(
    merchant: string,
    cart: string,
  ): { added: DiffRow[]; removed: DiffRow[]; changed: DiffRow[]; unchanged: number } {
    const last =
      (
        this.db
          .prepare("SELECT last_sync_id AS id FROM cart_state WHERE merchant = ? AND cart = ?")
          .get(merchant, cart) as { id: number | null } | undefined
      )?.id ?? -1;
    const p = { merchant, cart, last };
    const rows = this.db
      .prepare(
        `SELECT n.code, s.quantity AS before, n.quantity AS after FROM cart_out n
           LEFT JOIN sku_sync s ON s.merchant = @merchant AND s.cart = @cart AND s.code = n.code AND s.sync_id = @last
         WHERE n.skip IS NULL AND (s.quantity IS NULL OR s.quantity <> n.quantity)
         UNION ALL
         SELECT s.code, s.quantity, NULL FROM sku_sync s
         WHERE s.merchant = @merchant AND s.cart = @cart AND s.sync_id = @last
           AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = s.code)
         ORDER BY 1`,
      )
      .all(p) as DiffRow[];
    const same = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM cart_out n JOIN sku_sync s ON s.merchant = @merchant AND s.cart = @cart AND s.code = n.code AND s.sync_id = @last
         WHERE n.skip IS NULL AND s.quantity = n.quantity`,
      )
      .get(p) as { n: number };
    return {
      added: rows.filter((r) => r.before === null),
      removed: rows.filter((r) => r.after === null),
      changed: rows.filter((r) => r.before !== null && r.after !== null),
      unchanged: same.n,
    };
  }

  /**
   * Records a rendered cart file waiting in the outbox (status pending) and, for View Product
   * Sync, every code it carries (from temp.cart_out; a code's time updates even when its level
   * did not): they count as sent once markDelivered marks the file delivered (see cart_lines).
   */
  recordRendered(s: {
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
    /** a file that repeats the lines of this line set: its lines are not written again */
    linesOf?: number;
  }): number {
    const { linesOf, skipped, ...rest } = s;
    const row = {
      sha256: null,
      ...rest,
      skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
      skippedBy: JSON.stringify(skipped),
    };
    return this.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, outbox_path, rows, units, skipped,
               bytes, sha256, inventory_file_id, settings_hash, state_at, skipped_by)
             VALUES (@runId, @merchant, @cart, @syncedAt, 'pending', @reason, @fileName, @outboxPath, @rows, @units, @skipped,
               @bytes, @sha256, @inventoryFileId, @settingsHash, @stateAt, @skippedBy)`,
          )
          .run(row).lastInsertRowid,
      );
      this.db.prepare("UPDATE cart_syncs SET lines_set = ? WHERE id = ?").run(linesOf ?? id, id);
      if (linesOf !== undefined) return id;
      // the code's newest line becomes its previous one only if a file with that line set was
      // delivered (one file per cart is pending at a time, this one: older ones were delivered or lost)
      const delivered =
        "cart_lines.sync_id IN (SELECT lines_set FROM cart_syncs WHERE merchant = @merchant AND cart = @cart AND status = 'delivered')";
      this.db
        .prepare(
          `INSERT INTO cart_lines (merchant, cart, code, sku, sync_id, quantity)
           SELECT @merchant, @cart, code, NULLIF(sku, code), @id, quantity FROM cart_out WHERE skip IS NULL AND true
           ON CONFLICT (merchant, cart, code) DO UPDATE SET
             prev_sku = CASE WHEN ${delivered} THEN sku ELSE prev_sku END,
             prev_sync_id = CASE WHEN ${delivered} THEN sync_id ELSE prev_sync_id END,
             prev_quantity = CASE WHEN ${delivered} THEN quantity ELSE prev_quantity END,
             sku = excluded.sku, sync_id = excluded.sync_id, quantity = excluded.quantity`,
        )
        .run({ merchant: s.merchant, cart: s.cart, id });
      this.db
        .prepare(
          `INSERT INTO sync_skipped (sync_id, sku, code, reason, detail)
           SELECT ?, o.sku, o.code, o.skip, u.detail FROM cart_out o LEFT JOIN cart_unsendable u ON u.code = o.code AND u.sku = o.sku
           WHERE o.skip = 'unsendable'`,
        )
        .run(id);
      return id;
    });
  }

  /** Cart files rendered but not delivered yet, oldest first. */
  pendingDeliveries(
    merchant: string,
    cart: string,
  ): Array<{ id: number; file_name: string; outbox_path: string; synced_at: number }> {
    return this.db
      .prepare(
        "SELECT id, file_name, outbox_path, synced_at FROM cart_syncs WHERE status = 'pending' AND merchant = ? AND cart = ? ORDER BY id",
      )
      .all(merchant, cart) as ReturnType<SqliteCarts["pendingDeliveries"]>;
  }

  /** A delivery attempt failed: the file stays pending for the next run. */
  deliveryFailed(id: number, error: string): void {
    this.db.prepare("UPDATE cart_syncs SET attempts = attempts + 1, error = ? WHERE id = ?").run(error, id);
  }

  /** The outbox file of a pending sync is gone: that sync is failed, so the cart's next run makes a new one. */
  deliveryLost(id: number, error: string): void {
    this.db
      .prepare("UPDATE cart_syncs SET status = 'failed', error = ? WHERE id = ? AND status = 'pending'")
      .run(error, id);
  }

  /** The file is published: its lines now count as sent (View Product Sync), and it is the cart's last sync. */
  markDelivered(id: number, d: { fileName: string; location: string; at: number }): void {
    this.transaction(() => {
      const s = this.db.prepare("SELECT merchant, cart FROM cart_syncs WHERE id = ? AND status = 'pending'").get(id) as
        { merchant: string; cart: string } | undefined;
      if (!s) return;
      this.db
        .prepare(
          "UPDATE cart_syncs SET status = 'delivered', file_name = ?, location = ?, delivered_at = ?, attempts = attempts + 1, error = NULL WHERE id = ?",
        )
        .run(d.fileName, d.location, d.at, id);
      this.db
        .prepare(
          "INSERT INTO cart_state (merchant, cart, last_sync_id) VALUES (?, ?, ?) ON CONFLICT (merchant, cart) DO UPDATE SET last_sync_id = excluded.last_sync_id",
        )
        .run(s.merchant, s.cart, id);
    });
  }

  recordFailedSync(s: {
    runId: number;
    merchant: string;
    cart: string;
    syncedAt: number;
    reason: string;
    fileName: string | null;
    error: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, error)
         VALUES (@runId, @merchant, @cart, @syncedAt, 'failed', @reason, @fileName, @error)`,
      )
      .run(s);
  }

  /** Lines a writer could not carry (a delimiter in a code...): left out of the file and of what it recorded as sent. */
  markUnsendable(lines: Array<{ code: string; sku: string; reason?: string }>): void {
    const mark = this.db.prepare("INSERT OR IGNORE INTO cart_unsendable (code, sku, detail) VALUES (?, ?, ?)");
    this.transaction(() => {
      for (const l of lines) mark.run(l.code, l.sku, l.reason ?? null);
      this.db.exec(`DROP VIEW temp.cart_out; ${this.cartOutSql(true)}`);
    });
  }

  /** computeCart's definition of temp.cart_out, with or without the lookup of unsendable lines */
  private cartOutSql: (withUnsendable: boolean) => string = () => {
    throw new Error("computeCart first");
  };
}
