import { skipReasonSql } from "../../domain/sendable.js";
import { levelForCartSql } from "../../domain/allocation.js";
import { NO_SKIPS, type CartComputation, type CartRow, type DiffRow, type SkipReason } from "../types.js";
import { insertCartSync, type RenderedFile } from "./carts.js";
import {
  applyDelta,
  changedTotals,
  deltaScope,
  fillDelta,
  lastDeliveredSet,
  mergeExamples,
  recordFirstLines,
  type DeltaScope,
  type NewestSet,
  type SkipExample,
} from "./line-changes.js";
import type { SqlSession } from "./session.js";
import { analyzeTemp } from "./temp-tables.js";

/** cart lines handed to the render loop per query */
const CART_PAGE = 4096;

/** the examples of products left out kept with each file, per reason (the report shows as many) */
const EXAMPLES_KEPT = 5;

export interface CartLines {
  /**
   * only the lines whose inputs changed since the cart's last delivered file were computed
   * (totals from that file's and the changes'): they patch that file; rows(), pages() and
   * diffAgainstLastDelivery() need all of them
   */
  readonly restricted: boolean;
  /** lines and units the file will carry, and the products left out by reason */
  totals(): { rows: number; units: number; skipped: Record<SkipReason, number> };
  /** the lines in code order */
  rows(): AsyncGenerator<CartRow>;
  /** the lines for the render loop, a page at a time: [code, sku, quantity, available, asOf] */
  pages(want: { available: boolean; asOf: boolean }): AsyncGenerator<CartPageRow[]>;
  /** up to `perReason` of the products left out for each reason */
  examples(perReason: number): Promise<SkipExample[]>;
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
export async function computeCartLines(
  sql: SqlSession,
  c: CartComputation,
  base: string,
  closed: () => void,
  only?: DeltaScope & { prev: NewestSet },
): Promise<CartLines> {
  const { temp } = sql.dialect;
  await sql.exec(`DROP VIEW IF EXISTS ${temp("cart_out")}; DROP TABLE IF EXISTS ${temp("cart_aliased")};
    DELETE FROM cart_unsendable;`);
  const cartOutSql = await cartOutDefinition(sql, c, base);
  await sql.exec(cartOutSql(false));
  if (only) {
    const delta = await fillDelta(sql, c, only);
    const totals = await changedTotals(sql, only.prev, base);
    return new SqlCartLines(sql, c, totals, cartOutSql, closed, { ...only, base, delta });
  }
  // one pass: lines and units sent, products left out by reason
  const totals = { rows: 0, units: 0 };
  const skipped: Record<SkipReason, number> = { ...NO_SKIPS };
  const counts = await sql.all<{ skip: SkipReason | null; n: number; units: number }>(
    "SELECT skip, COUNT(*) AS n, SUM(quantity) AS units FROM cart_out GROUP BY skip",
  );
  for (const r of counts) {
    if (r.skip === null) Object.assign(totals, { rows: r.n, units: r.units });
    else skipped[r.skip] = r.n;
  }
  return new SqlCartLines(sql, c, { ...totals, skipped }, cartOutSql, closed);
}

/**
 * The definition of temp.cart_out over the levels after orders (`base`), with or without the
 * lookup of lines the writer could not carry; for a cart by alias, the table of its aliased
 * lines is made here. Only values of the config go into the SQL text: checked integers and
 * quoted strings.
 */
async function cartOutDefinition(
  sql: SqlSession,
  c: CartComputation,
  base: string,
): Promise<(withUnsendable: boolean) => string> {
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const level = levelForCartSql("l.available", c, sql.dialect);
  // the catalog is looked up only for carts that have one
  const hasCatalog = !!(await sql.get("SELECT 1 FROM catalog WHERE merchant = ? AND cart = ? LIMIT 1", [
    c.merchant,
    c.cart,
  ]));
  const disabled = (code: string) =>
    hasCatalog
      ? `(SELECT inventory_enabled FROM catalog k WHERE k.merchant = ${q(c.merchant)} AND k.cart = ${q(c.cart)}
         AND k.sku = ${code}) = 0`
      : undefined;
  // lines the writer could not carry are looked up only once there are some (markUnsendable)
  const unsendable = (code: string, sku: string, withUnsendable: boolean) =>
    withUnsendable ? `EXISTS (SELECT 1 FROM cart_unsendable u WHERE u.code = ${code} AND u.sku = ${sku})` : undefined;
  if (c.alias === null) {
    const skuSkip = (u: boolean) =>
      skipReasonSql({ inventoryDisabled: disabled("l.sku"), unsendable: unsendable("l.sku", "l.sku", u) });
    return (u) => `CREATE TEMP VIEW cart_out AS
        SELECT l.sku AS code, l.sku AS sku, l.available AS available, l.as_of AS as_of, l.ordered AS ordered,
           ${level} AS quantity, ${skuSkip(u)} AS skip
        FROM ${base} l`;
  }
  // an alias cart's lines, materialized in file order (code, then SKU); code '' where a product has no alias
  // code. A SKU cart needs no copy: its lines are read straight off the levels.
  const { text, keyed } = sql.dialect;
  await sql.exec(`CREATE TEMP TABLE cart_aliased (code ${text} NOT NULL, sku ${text} NOT NULL,
    available BIGINT NOT NULL, as_of BIGINT NOT NULL, ordered BIGINT NOT NULL, quantity BIGINT NOT NULL,
    skip ${text}, PRIMARY KEY (code, sku)) ${keyed}`);
  // rule 9's reasons and the catalog's are judged once here; the writer's, after it wrote
  const skip = skipReasonSql({
    noAlias: "a.code IS NULL",
    aliasShared: `EXISTS (SELECT 1 FROM aliases d WHERE d.merchant = @merchant AND d.alias_type = @alias
       AND d.code = a.code AND d.sku <> a.sku)`,
    inventoryDisabled: disabled("a.code"),
  });
  await sql.run(
    `INSERT INTO cart_aliased (code, sku, available, as_of, ordered, quantity, skip)
       SELECT COALESCE(a.code, ''), l.sku, l.available, l.as_of, l.ordered, ${level}, ${skip}
       FROM ${base} l LEFT JOIN aliases a ON a.merchant = @merchant AND a.sku = l.sku AND a.alias_type = @alias`,
    { merchant: c.merchant, alias: c.alias },
  );
  await analyzeTemp(sql, "cart_aliased");
  return (u) => `CREATE TEMP VIEW cart_out AS
      SELECT a.code, a.sku, a.available, a.as_of, a.ordered, a.quantity,
             COALESCE(a.skip, ${skipReasonSql({ unsendable: unsendable("a.code", "a.sku", u) })}) AS skip
      FROM cart_aliased a`;
}

class SqlCartLines implements CartLines {
  constructor(
    private readonly sql: SqlSession,
    private readonly c: CartComputation,
    private readonly computed: { rows: number; units: number; skipped: Record<SkipReason, number> },
    private readonly cartOutSql: (withUnsendable: boolean) => string,
    private readonly closed: () => void,
    private readonly only?: DeltaScope & {
      prev: NewestSet;
      base: string;
      delta: { lines: number; against: number | null };
    },
  ) {
    this.restricted = !!only;
    this.delta = only?.delta;
  }

  readonly restricted: boolean;

  private all(what: string): void {
    if (this.only) throw new Error(`${what} needs every line: these are only the lines that changed`);
  }

  totals() {
    return this.computed;
  }

  /** The computed lines of the cart's file, in code order, a page at a time (codes are unique among those sent). */
  async *rows(): AsyncGenerator<CartRow> {
    this.all("rows()");
    let after = "";
    for (;;) {
      const rows = await this.sql.all<CartRow>(
        `SELECT code, sku, available, as_of AS "asOf", ordered, quantity FROM cart_out
         WHERE skip IS NULL AND code > ? ORDER BY code LIMIT ${CART_PAGE}`,
        [after],
      );
      yield* rows;
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1].code;
    }
  }

  /**
   * The same lines for the render loop, a page at a time of arrays (handed over faster than
   * objects): [code, sku, quantity, available, asOf], with available and asOf only when `want`
   * asks for them (null otherwise).
   */
  async *pages(want: { available: boolean; asOf: boolean }): AsyncGenerator<CartPageRow[]> {
    this.all("pages()");
    // codes are unique among the lines sent (one code on two SKUs is a duplicate alias, left out)
    const page = `SELECT code, NULLIF(sku, code), quantity, ${want.available ? "available" : "NULL"},
         ${want.asOf ? "as_of" : "NULL"} FROM cart_out
       WHERE skip IS NULL AND code > ? ORDER BY code LIMIT ${CART_PAGE}`;
    let after = "";
    for (;;) {
      const rows = await this.sql.values<[string, string | null, number, number | null, number | null]>(page, [after]);
      for (const r of rows) r[1] ??= r[0];
      yield rows as CartPageRow[];
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  /**
   * Up to `perReason` of the products left out for each reason, the first in line order (code,
   * then SKU): those the last file had and the products new to the cart, where only the changed
   * lines were computed (a product's reason changes only with the lists, which then compute all).
   */
  async examples(perReason: number): Promise<SkipExample[]> {
    if (this.only) return mergeExamples(this.sql, this.only.prev, this.only.base, perReason);
    const some = "SELECT sku, NULLIF(code, '') AS code, skip FROM cart_out WHERE skip = ? ORDER BY code, sku LIMIT ?";
    const found: SkipExample[] = [];
    for (const reason of Object.keys(NO_SKIPS) as SkipReason[])
      found.push(...(await this.sql.all<SkipExample>(some, [reason, perReason])));
    return found;
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
    this.all("diffAgainstLastDelivery()");
    const last = (await lastDeliveredSet(this.sql, this.c)).set;
    const p = { merchant: this.c.merchant, cart: this.c.cart, last };
    const inLast = `cart_lines_all s WHERE s.merchant = @merchant AND s.cart = @cart AND s.from_set <= @last
      AND (s.to_set IS NULL OR s.to_set > @last)`;
    const rows = await this.sql.all<DiffRow>(
      `SELECT n.code, s.quantity AS before, n.quantity AS after FROM cart_out n
         LEFT JOIN (SELECT s.code, s.quantity FROM ${inLast}) s ON s.code = n.code
       WHERE n.skip IS NULL AND (s.quantity IS NULL OR s.quantity <> n.quantity)
       UNION ALL
       SELECT s.code, s.quantity, NULL FROM ${inLast}
         AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = s.code)
       ORDER BY 1`,
      p,
    );
    const same = (await this.sql.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM cart_out n JOIN (SELECT s.code, s.quantity FROM ${inLast}) s ON s.code = n.code
       WHERE n.skip IS NULL AND s.quantity = n.quantity`,
      p,
    ))!;
    return {
      added: rows.filter((r) => r.before === null),
      removed: rows.filter((r) => r.after === null),
      changed: rows.filter((r) => r.before !== null && r.after !== null),
      unchanged: same.n,
    };
  }

  private delta: { lines: number; against: number | null } | undefined;

  async changes(settingsHash: string): Promise<{ lines: number; against: number | null }> {
    this.delta ??= await fillDelta(this.sql, this.c, this.only ?? (await deltaScope(this.sql, this.c, settingsHash)));
    return this.delta;
  }

  async *changedPages(): AsyncGenerator<ChangedLine[]> {
    const page = `SELECT code, COALESCE(sku, code) AS sku, quantity, available, as_of AS "asOf", gone, had
      FROM cart_delta WHERE code > ? ORDER BY code LIMIT ${CART_PAGE}`;
    let after = "";
    for (;;) {
      const rows = await this.sql.all<Omit<ChangedLine, "gone" | "had"> & { gone: number; had: number }>(page, [after]);
      yield rows.map((r) => ({ ...r, gone: r.gone === 1, had: r.had === 1 }));
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1].code;
    }
  }

  async record(file: RenderedFile): Promise<{ syncId: number; linesChanged: number }> {
    const { sql } = this;
    const delta = await this.changes(file.settingsHash);
    const skipped = Object.values(this.computed.skipped).some((n) => n > 0);
    // those the writer left out are its own (the next file's writer finds them again)
    const examples = skipped ? (await this.examples(EXAMPLES_KEPT)).filter((e) => e.skip !== "unsendable") : [];
    return sql.transaction(async () => {
      const id = await insertCartSync(sql, file);
      const linesChanged =
        delta.against === null ? await recordFirstLines(sql, this.c, id) : await applyDelta(sql, this.c, id);
      await sql.run("UPDATE cart_syncs SET lines_changed = ?, skipped_examples = ? WHERE id = ?", [
        linesChanged,
        JSON.stringify(examples),
        id,
      ]);
      await sql.run(
        `INSERT INTO sync_skipped (sync_id, sku, code, reason, detail)
         SELECT CAST(? AS BIGINT), o.sku, o.code, o.skip, u.detail FROM cart_out o
           LEFT JOIN cart_unsendable u ON u.code = o.code AND u.sku = o.sku
         WHERE o.skip = 'unsendable'`,
        [id],
      );
      return { syncId: id, linesChanged };
    });
  }

  async markUnsendable(lines: Array<{ code: string; sku: string; reason?: string }>): Promise<void> {
    const { sql } = this;
    await sql.transaction(async () => {
      await sql.insertRows(
        "cart_unsendable",
        ["code", "sku", "detail"],
        lines.map((l) => [l.code, l.sku, l.reason ?? null]),
        "ON CONFLICT DO NOTHING",
      );
      await sql.exec(`DROP VIEW ${sql.dialect.temp("cart_out")}; ${this.cartOutSql(true)}`);
    });
    this.delta = undefined;
  }

  async close(): Promise<void> {
    // dropped, not emptied: a DELETE of a million lines would touch every page
    const { temp } = this.sql.dialect;
    await this.sql.exec(`DROP VIEW IF EXISTS ${temp("cart_out")}; DROP TABLE IF EXISTS ${temp("cart_aliased")};
      DELETE FROM cart_unsendable; DELETE FROM cart_delta; DELETE FROM cart_changed; DELETE FROM cart_changed_skus;`);
    this.closed();
  }
}
