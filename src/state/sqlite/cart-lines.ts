import { skipReasonSql } from "../../domain/sendable.js";
import { levelForCartSql } from "../../domain/allocation.js";
import { NO_SKIPS, type CartComputation, type CartRow, type DiffRow, type SkipReason } from "../types.js";
import { insertCartSync, type RenderedFile } from "./carts.js";
import type { Db } from "./slice.js";

/**
 * An alias cart's lines, materialized in file order (code, then SKU); code '' where a product
 * has no alias code. A SKU cart needs no copy: its lines are read straight off the levels.
 */
const CART_ALIASED = `CREATE TEMP TABLE cart_aliased (code TEXT NOT NULL, sku TEXT NOT NULL,
   available INTEGER NOT NULL, as_of INTEGER NOT NULL,
  ordered INTEGER NOT NULL, quantity INTEGER NOT NULL, skip TEXT, PRIMARY KEY (code, sku)) WITHOUT ROWID`;
/** cart lines handed to the render loop per query */
const CART_PAGE = 4096;

export interface CartLines {
  /** lines and units the file will carry, and the products left out by reason */
  totals(): { rows: number; units: number; skipped: Record<SkipReason, number> };
  /** the lines in code order */
  rows(): AsyncGenerator<CartRow>;
  /** the lines for the render loop, a page at a time: [code, sku, quantity, available, asOf] */
  pages(want: { available: boolean; asOf: boolean }): AsyncGenerator<CartPageRow[]>;
  /** up to `perReason` of the products left out for each reason */
  examples(perReason: number): Promise<Array<{ sku: string; code: string | null; skip: SkipReason }>>;
  /** lines the writer could not carry: left out of the file and of what it records as sent */
  markUnsendable(lines: Array<{ code: string; sku: string; reason?: string }>): Promise<void>;
  /** what the lines change against the last file delivered to the cart */
  diffAgainstLastDelivery(): Promise<{ added: DiffRow[]; removed: DiffRow[]; changed: DiffRow[]; unchanged: number }>;
  /**
   * the lines that differ from the cart's newest recorded line set (`against`; null when the
   * cart has no lines recorded): added, changed (`had`: a line of that code was there) and no
   * longer carried (`gone`); computed once, and again after lines are marked unsendable
   */
  changes(settingsHash: string): Promise<{ lines: number; against: number | null }>;
  /** those lines in code order, a page at a time */
  changedPages(): AsyncGenerator<ChangedLine[]>;
  /**
   * records the rendered file (pending in the outbox) and its lines: only those that differ from
   * the cart's previous file are written (linesChanged: added, changed and no longer carried)
   */
  record(file: RenderedFile): Promise<{ syncId: number; linesChanged: number }>;
  /** drops the temporary tables */
  close(): Promise<void>;
}

/** a line that differs from the cart's newest recorded one (available and asOf where the file carries them) */
export interface ChangedLine {
  code: string;
  sku: string;
  quantity: number;
  available: number | null;
  asOf: number | null;
  /** the line is no longer carried */
  gone: boolean;
  /** the newest recorded set has a line of this code */
  had: boolean;
}

/** a line as the render loop takes it: [code, sku, quantity, available, asOf] */
export type CartPageRow = [string, string, number, number | null, number | null];

/**
 * Makes temp.cart_out every line of the cart's next file, in file order, with why a product
 * is left out (skip): the merchant's levels after orders for the cart's warehouses
 * (cartBase), then rule 9 (alias codes), the catalog's inventory flag, and rules 8/15 (the
 * domain's levelForCart, as SQL). cart_out is a view: over the levels themselves for a cart
 * by SKU (no copy of a million lines), over a table built here for a cart by alias code.
 */
export function computeCartLines(db: Db, c: CartComputation, base: string, closed: () => void): CartLines {
  db.exec("DROP VIEW IF EXISTS temp.cart_out; DROP TABLE IF EXISTS temp.cart_aliased; DELETE FROM cart_unsendable;");
  const cartOutSql = cartOutDefinition(db, c, base);
  db.exec(cartOutSql(false));
  // one pass: lines and units sent, products left out by reason
  const totals = { rows: 0, units: 0 };
  const skipped: Record<SkipReason, number> = { ...NO_SKIPS };
  for (const r of db
    .prepare("SELECT skip, COUNT(*) AS n, SUM(quantity) AS units FROM cart_out GROUP BY skip")
    .all() as Array<{ skip: SkipReason | null; n: number; units: number }>) {
    if (r.skip === null) Object.assign(totals, { rows: r.n, units: r.units });
    else skipped[r.skip] = r.n;
  }
  return new SqliteCartLines(db, c, { ...totals, skipped }, cartOutSql, closed);
}

/**
 * The definition of temp.cart_out over the levels after orders (`base`), with or without the
 * lookup of lines the writer could not carry; for a cart by alias, the table of its aliased
 * lines is made here. Only values of the config go into the SQL text: checked integers and
 * quoted strings.
 */
function cartOutDefinition(db: Db, c: CartComputation, base: string): (withUnsendable: boolean) => string {
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const level = levelForCartSql("l.available", c);
  // the catalog is looked up only for carts that have one
  const hasCatalog = !!db
    .prepare("SELECT 1 FROM catalog WHERE merchant = ? AND cart = ? LIMIT 1")
    .get(c.merchant, c.cart);
  const disabled = (code: string) =>
    hasCatalog
      ? `(SELECT inventory_enabled FROM catalog k WHERE k.merchant = ${q(c.merchant)} AND k.cart = ${q(c.cart)}
         AND k.sku = ${code}) = 0`
      : undefined;
  // lines the writer could not carry are looked up only once there are some (markUnsendable)
  const unsendable = (code: string, sku: string, withUnsendable: boolean) =>
    withUnsendable ? `EXISTS (SELECT 1 FROM cart_unsendable u WHERE u.code = ${code} AND u.sku = ${sku})` : undefined;
  if (c.alias === null) {
    return (u) => `CREATE TEMP VIEW cart_out AS
        SELECT l.sku AS code, l.sku AS sku, l.available AS available, l.as_of AS as_of, l.ordered AS ordered,
           ${level} AS quantity,
               ${skipReasonSql({ inventoryDisabled: disabled("l.sku"), unsendable: unsendable("l.sku", "l.sku", u) })} AS skip
        FROM ${base} l`;
  }
  db.exec(CART_ALIASED);
  // rule 9's reasons and the catalog's are judged once here; the writer's, after it wrote
  const skip = skipReasonSql({
    noAlias: "a.code IS NULL",
    aliasShared: `EXISTS (SELECT 1 FROM aliases d WHERE d.merchant = @merchant AND d.alias_type = @alias
       AND d.code = a.code AND d.sku <> a.sku)`,
    inventoryDisabled: disabled("a.code"),
  });
  db.prepare(
    `INSERT INTO cart_aliased (code, sku, available, as_of, ordered, quantity, skip)
       SELECT COALESCE(a.code, ''), l.sku, l.available, l.as_of, l.ordered, ${level}, ${skip}
       FROM ${base} l LEFT JOIN aliases a ON a.merchant = @merchant AND a.sku = l.sku AND a.alias_type = @alias`,
  ).run({ merchant: c.merchant, alias: c.alias });
  return (u) => `CREATE TEMP VIEW cart_out AS
      SELECT a.code, a.sku, a.available, a.as_of, a.ordered, a.quantity,
             COALESCE(a.skip, ${skipReasonSql({ unsendable: unsendable("a.code", "a.sku", u) })}) AS skip
      FROM cart_aliased a`;
}

class SqliteCartLines implements CartLines {
  constructor(
    private readonly db: Db,
    private readonly c: CartComputation,
    private readonly computed: { rows: number; units: number; skipped: Record<SkipReason, number> },
    private readonly cartOutSql: (withUnsendable: boolean) => string,
    private readonly closed: () => void,
  ) {}

  totals() {
    return this.computed;
  }

  /** The computed lines of the cart's file, in code order (read-only while iterating). */
  async *rows(): AsyncGenerator<CartRow> {
    yield* this.db
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
  async *pages(want: { available: boolean; asOf: boolean }): AsyncGenerator<CartPageRow[]> {
    // codes are unique among the lines sent (one code on two SKUs is a duplicate alias, left out)
    const page = this.db
      .prepare(
        `SELECT code, NULLIF(sku, code), quantity, ${want.available ? "available" : "NULL"},
           ${want.asOf ? "as_of" : "NULL"} FROM cart_out
         WHERE skip IS NULL AND code > ? ORDER BY code LIMIT ${CART_PAGE}`,
      )
      .raw();
    let after = "";
    for (;;) {
      const rows = page.all(after) as Array<[string, string | null, number, number | null, number | null]>;
      for (const r of rows) r[1] ??= r[0];
      yield rows as CartPageRow[];
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  /** Up to `perReason` of the products left out for each reason (the first in file order). */
  async examples(perReason: number): Promise<Array<{ sku: string; code: string | null; skip: SkipReason }>> {
    const some = this.db.prepare("SELECT sku, NULLIF(code, '') AS code, skip FROM cart_out WHERE skip = ? LIMIT ?");
    return (Object.keys(NO_SKIPS) as SkipReason[]).flatMap(
      (reason) => some.all(reason, perReason) as Array<{ sku: string; code: string | null; skip: SkipReason }>,
    );
  }

  /**
   * What the computed cart lines change against the last file delivered to the cart: codes
   * added, removed, and levels changed (every code of a delivered file carries its sync id).
   */
  async diffAgainstLastDelivery(): Promise<{
    added: DiffRow[];
    removed: DiffRow[];
    changed: DiffRow[];
    unchanged: number;
  }> {
    const p = { merchant: this.c.merchant, cart: this.c.cart, last: lastDeliveredSet(this.db, this.c).set };
    const inLast = `cart_lines s WHERE s.merchant = @merchant AND s.cart = @cart AND s.from_set <= @last
      AND (s.to_set IS NULL OR s.to_set > @last)`;
    const rows = this.db
      .prepare(
        `SELECT n.code, s.quantity AS before, n.quantity AS after FROM cart_out n
           LEFT JOIN (SELECT s.code, s.quantity FROM ${inLast}) s ON s.code = n.code
         WHERE n.skip IS NULL AND (s.quantity IS NULL OR s.quantity <> n.quantity)
         UNION ALL
         SELECT s.code, s.quantity, NULL FROM ${inLast}
           AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = s.code)
         ORDER BY 1`,
      )
      .all(p) as DiffRow[];
    const same = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM cart_out n JOIN (SELECT s.code, s.quantity FROM ${inLast}) s ON s.code = n.code
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

  private delta: { lines: number; against: number | null } | undefined;

  async changes(settingsHash: string): Promise<{ lines: number; against: number | null }> {
    return (this.delta ??= fillDelta(this.db, this.c, settingsHash));
  }

  async *changedPages(): AsyncGenerator<ChangedLine[]> {
    const page = this.db.prepare(
      `SELECT code, COALESCE(sku, code) AS sku, quantity, available, as_of AS asOf, gone, had FROM cart_delta
       WHERE code > ? ORDER BY code LIMIT ${CART_PAGE}`,
    );
    let after = "";
    for (;;) {
      const rows = page.all(after) as Array<Omit<ChangedLine, "gone" | "had"> & { gone: number; had: number }>;
      yield rows.map((r) => ({ ...r, gone: r.gone === 1, had: r.had === 1 }));
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1].code;
    }
  }

  async record(file: RenderedFile): Promise<{ syncId: number; linesChanged: number }> {
    return this.db.transaction(() => {
      const delta = (this.delta ??= fillDelta(this.db, this.c, file.settingsHash));
      const id = insertCartSync(this.db, file);
      const linesChanged =
        delta.against === null ? recordFirstLines(this.db, this.c, id) : applyDelta(this.db, this.c, id);
      this.db.prepare("UPDATE cart_syncs SET lines_changed = ? WHERE id = ?").run(linesChanged, id);
      this.db
        .prepare(
          `INSERT INTO sync_skipped (sync_id, sku, code, reason, detail)
           SELECT ?, o.sku, o.code, o.skip, u.detail FROM cart_out o LEFT JOIN cart_unsendable u ON u.code = o.code
              AND u.sku = o.sku
           WHERE o.skip = 'unsendable'`,
        )
        .run(id);
      return { syncId: id, linesChanged };
    })();
  }

  async markUnsendable(lines: Array<{ code: string; sku: string; reason?: string }>): Promise<void> {
    const mark = this.db.prepare("INSERT OR IGNORE INTO cart_unsendable (code, sku, detail) VALUES (?, ?, ?)");
    this.db.transaction(() => {
      for (const l of lines) mark.run(l.code, l.sku, l.reason ?? null);
      this.db.exec(`DROP VIEW temp.cart_out; ${this.cartOutSql(true)}`);
    })();
    this.delta = undefined;
  }

  async close(): Promise<void> {
    // dropped, not emptied: a DELETE of a million lines would touch every page
    this.db
      .exec(`DROP VIEW IF EXISTS temp.cart_out; DROP TABLE IF EXISTS temp.cart_aliased; DELETE FROM cart_unsendable;
      DELETE FROM cart_delta; DELETE FROM cart_changed;`);
    this.closed();
  }
}

/** The cart's last delivered file and its line set (-1 when none was delivered). */
export function lastDeliveredSet(db: Db, c: { merchant: string; cart: string }): { id: number | null; set: number } {
  const r = db
    .prepare(
      `SELECT d.id, d.lines_set AS "set" FROM cart_state cs JOIN cart_syncs d ON d.id = cs.last_sync_id
       WHERE cs.merchant = ? AND cs.cart = ?`,
    )
    .get(c.merchant, c.cart) as { id: number; set: number } | undefined;
  return r ?? { id: null, set: -1 };
}

/** The values a computed line `n` is kept with in cart_lines: sku (NULL when the code), quantity, available, as_of. */
function keptValues(c: CartComputation): { available: string; asOf: string; values: string } {
  const available = c.carries.available ? "n.available" : "NULL";
  const asOf = c.carries.asOf ? "n.as_of" : "NULL";
  return { available, asOf, values: `NULLIF(n.sku, n.code), n.quantity, ${available}, ${asOf}` };
}

/** The cart's first line set: every line is new, written straight from the computed lines. */
function recordFirstLines(db: Db, c: CartComputation, id: number): number {
  return db
    .prepare(
      `INSERT INTO cart_lines (merchant, cart, code, from_set, sku, quantity, available, as_of)
       SELECT @merchant, @cart, n.code, @id, ${keptValues(c).values} FROM cart_out n WHERE n.skip IS NULL`,
    )
    .run({ merchant: c.merchant, cart: c.cart, id }).changes;
}

/** The cart's newest recorded line set (its open rows are that set's lines), as changedCodes reads it. */
type NewestSet = {
  id: number;
  state_at: number | null;
  settings_hash: string;
  lines_changed: number | null;
  rows: number;
};

function newestSet(db: Db, c: CartComputation): NewestSet | undefined {
  return db
    .prepare(
      `SELECT id, state_at, settings_hash, lines_changed, rows FROM cart_syncs
       WHERE merchant = ? AND cart = ? AND lines_set = id ORDER BY id DESC LIMIT 1`,
    )
    .get(c.merchant, c.cart) as NewestSet | undefined;
}

/**
 * Fills temp.cart_delta with the computed lines that differ from the cart's open rows (its
 * newest recorded line set): a line that is new or differs (SKU, quantity, or available and
 * as-of where the file carries them), and one no longer carried (gone). Only the codes whose
 * inputs changed since that set are compared, where they can be told (changedCodes).
 */
function fillDelta(db: Db, c: CartComputation, settingsHash: string): { lines: number; against: number | null } {
  db.exec("DELETE FROM cart_delta; DELETE FROM cart_changed;");
  if (!db.prepare("SELECT 1 FROM cart_lines WHERE merchant = ? AND cart = ? LIMIT 1").get(c.merchant, c.cart))
    return { lines: 0, against: null };
  const prev = newestSet(db, c);
  const some = prev !== undefined && changedCodes(db, c, settingsHash, prev);
  const scope = (col: string) => (some ? `AND ${col} IN (SELECT code FROM cart_changed)` : "");
  const open = "l.merchant = @merchant AND l.cart = @cart AND l.to_set IS NULL";
  const { available, asOf, values } = keptValues(c);
  const p = { merchant: c.merchant, cart: c.cart };
  const changed = db
    .prepare(
      `INSERT INTO cart_delta (code, sku, quantity, available, as_of, gone, had)
       SELECT n.code, ${values}, 0, l.code IS NOT NULL FROM cart_out n
         LEFT JOIN cart_lines l ON ${open} AND l.code = n.code
       WHERE n.skip IS NULL ${scope("n.code")}
         AND (l.code IS NULL OR l.quantity <> n.quantity OR l.sku IS NOT NULLIF(n.sku, n.code)
         OR l.available IS NOT ${available} OR l.as_of IS NOT ${asOf})`,
    )
    .run(p).changes;
  const gone = db
    .prepare(
      `INSERT INTO cart_delta (code, sku, quantity, available, as_of, gone, had)
       SELECT l.code, l.sku, l.quantity, l.available, l.as_of, 1, 1 FROM cart_lines l
       WHERE ${open} ${scope("l.code")}
         AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = l.code)`,
    )
    .run(p).changes;
  // rows without a set that wrote them cannot be: compared with nothing, every line is new to them
  return { lines: changed + gone, against: prev?.id ?? -1 };
}

/**
 * Writes line set `id` as the changes in cart_delta: each closes its code's open row, and a
 * line carried gets a new row from `id`. For the codes written, rows no delivered file will
 * ever be the last sent of are dropped: those of files after the last delivered one (lost: at
 * most one file waits at a time, and it is this one), and those older than the code's row in
 * that file. Returns the lines written.
 */
function applyDelta(db: Db, c: CartComputation, id: number): number {
  const p = { merchant: c.merchant, cart: c.cart, id, last: lastDeliveredSet(db, c).set };
  const mine = "merchant = @merchant AND cart = @cart AND code IN (SELECT code FROM cart_delta)";
  db.prepare(`DELETE FROM cart_lines WHERE ${mine} AND from_set > @last`).run(p);
  db.prepare(`UPDATE cart_lines SET to_set = @id WHERE ${mine} AND to_set IS NULL`).run(p);
  db.prepare(
    `DELETE FROM cart_lines WHERE ${mine} AND from_set < (SELECT MAX(x.from_set) FROM cart_lines x
       WHERE x.merchant = cart_lines.merchant AND x.cart = cart_lines.cart AND x.code = cart_lines.code
         AND x.from_set <= @last)`,
  ).run(p);
  db.prepare(
    `INSERT INTO cart_lines (merchant, cart, code, from_set, sku, quantity, available, as_of)
     SELECT @merchant, @cart, code, @id, sku, quantity, available, as_of FROM cart_delta WHERE gone = 0`,
  ).run(p);
  return (db.prepare("SELECT COUNT(*) AS n FROM cart_delta").get() as { n: number }).n;
}

/** above this share of the cart's lines, one pass over every line is cheaper than a lookup per code */
const CHANGED_SHARE = 0.2;

/**
 * Fills temp.cart_changed with the codes whose line can differ from the cart's previous file:
 * a cart line is a function of its SKU's levels (rules 6, 13, 14), the orders of that SKU or of
 * its alias code (rule 5), the alias list (rule 9), the cart's catalog and the cart's settings.
 * So the codes of the SKUs whose levels or orders were written since that file's state (each
 * such row names the file that wrote it; an order line moved to another SKU names its old one
 * in order_moves), and those its writer could not carry. False when every line must be
 * compared: no earlier file recorded this way, other settings, a new alias list or catalog, or
 * too many codes.
 */
function changedCodes(db: Db, c: CartComputation, settingsHash: string, prev: NewestSet): boolean {
  if (prev.state_at === null || prev.lines_changed === null || prev.settings_hash !== settingsHash) return false;
  const p = { merchant: c.merchant, since: prev.state_at, alias: c.alias };
  const lists = db
    .prepare(
      `SELECT 1 FROM files WHERE merchant = @merchant AND id > @since AND kind NOT IN ('inventory', 'orders')
         AND status IN ('loaded', 'loaded_with_rejects') LIMIT 1`,
    )
    .get(p);
  if (lists) return false;
  // an order's product is its SKU, or the one product of its alias code when that is no product's SKU (rule 9):
  // a new SKU that is some product's alias code takes that code's orders from it
  const skus = `SELECT sku FROM inventory WHERE merchant = @merchant AND file_id > @since
    UNION SELECT a.sku FROM inventory i JOIN aliases a ON a.merchant = i.merchant AND a.code = i.sku
      WHERE i.merchant = @merchant AND i.file_id > @since
    UNION SELECT o.sku FROM orders o WHERE o.merchant = @merchant AND o.file_id > @since
    UNION SELECT a.sku FROM orders o JOIN aliases a ON a.merchant = o.merchant AND a.code = o.sku
      WHERE o.merchant = @merchant AND o.file_id > @since
    UNION SELECT m.sku FROM order_moves m WHERE m.merchant = @merchant AND m.file_id > @since
    UNION SELECT a.sku FROM order_moves m JOIN aliases a ON a.merchant = m.merchant AND a.code = m.sku
      WHERE m.merchant = @merchant AND m.file_id > @since`;
  const codes =
    c.alias === null
      ? skus
      : `SELECT a.code FROM aliases a WHERE a.merchant = @merchant AND a.alias_type = @alias AND a.sku IN (${skus})`;
  const n = db.prepare(`INSERT OR IGNORE INTO cart_changed (code) ${codes}`).run(p).changes;
  // lines its writer could not carry are not among its lines: written again, they are left out again
  const unsendable = db
    .prepare(
      `INSERT OR IGNORE INTO cart_changed (code) SELECT code FROM sync_skipped
       WHERE sync_id = ? AND reason = 'unsendable' AND code IS NOT NULL`,
    )
    .run(prev.id).changes;
  return n + unsendable <= CHANGED_SHARE * prev.rows;
}
