/**
 * What a cart's next file changes against the cart's newest recorded line set: which codes can
 * differ (their inputs were written since), the lines that do (temp.cart_delta), and writing
 * them as the new set's versions of cart_lines (into cart_line_changes, folded into cart_lines
 * from time to time).
 */
import { SKIP_REASONS } from "../../domain/sendable.js";
import { faultPoint } from "../../util/fault.js";
import { compareCodes } from "../../util/order.js";
import { NO_SKIPS, type CartComputation, type SkipReason } from "../types.js";
import type { SqlSession } from "./session.js";

type Counted = { n: number };

/** The cart's last delivered file and its line set (-1 when none was delivered). */
export async function lastDeliveredSet(
  sql: SqlSession,
  c: { merchant: string; cart: string },
): Promise<{ id: number | null; set: number }> {
  const r = await sql.get<{ id: number; set: number }>(
    `SELECT d.id, d.lines_set AS "set" FROM cart_state cs JOIN cart_syncs d ON d.id = cs.last_sync_id
     WHERE cs.merchant = ? AND cs.cart = ?`,
    [c.merchant, c.cart],
  );
  return r ?? { id: null, set: -1 };
}

/** The values a computed line `n` is kept with in cart_lines: sku (NULL when the code), quantity, available, as_of. */
export function keptValues(c: CartComputation): { available: string; asOf: string; values: string } {
  const available = c.carries.available ? "n.available" : "CAST(NULL AS BIGINT)";
  const asOf = c.carries.asOf ? "n.as_of" : "CAST(NULL AS BIGINT)";
  return { available, asOf, values: `NULLIF(n.sku, n.code), n.quantity, ${available}, ${asOf}` };
}

/** The cart's first line set: every line is new, written straight from the computed lines. */
export async function recordFirstLines(sql: SqlSession, c: CartComputation, id: number): Promise<number> {
  const { changes } = await sql.run(
    `INSERT INTO cart_lines (merchant, cart, code, from_set, sku, quantity, available, as_of)
     SELECT CAST(@merchant AS TEXT), CAST(@cart AS TEXT), n.code, CAST(@id AS BIGINT), ${keptValues(c).values}
     FROM cart_out n WHERE n.skip IS NULL`,
    { merchant: c.merchant, cart: c.cart, id },
  );
  return changes;
}

/** The cart's newest recorded line set (its open rows are that set's lines), as changedCodes reads it. */
export type NewestSet = {
  id: number;
  state_at: number | null;
  settings_hash: string;
  lines_changed: number | null;
  rows: number;
  units: number;
  skipped_by: string | null;
  skipped_examples: string | null;
};

export async function newestSet(sql: SqlSession, c: CartComputation): Promise<NewestSet | undefined> {
  return sql.get<NewestSet>(
    `SELECT id, state_at, settings_hash, lines_changed, rows, units, skipped_by, skipped_examples FROM cart_syncs
     WHERE merchant = ? AND cart = ? AND lines_set = id ORDER BY id DESC LIMIT 1`,
    [c.merchant, c.cart],
  );
}

/**
 * What the next file is compared against: the newest recorded line set (`against`; null when
 * the cart has no lines recorded, -1 for rows no set wrote) and, where they can be told
 * (`some`), the codes whose inputs changed since, in temp.cart_changed (their SKUs in
 * cart_changed_skus).
 */
export interface DeltaScope {
  against: number | null;
  prev?: NewestSet;
  some: boolean;
}

export async function deltaScope(sql: SqlSession, c: CartComputation, settingsHash: string): Promise<DeltaScope> {
  await sql.exec("DELETE FROM cart_delta; DELETE FROM cart_changed; DELETE FROM cart_changed_skus;");
  const any = await sql.get("SELECT 1 FROM cart_lines WHERE merchant = ? AND cart = ? LIMIT 1", [c.merchant, c.cart]);
  if (!any && !(await hasChanges(sql, c))) return { against: null, some: false };
  const prev = await newestSet(sql, c);
  const some = prev !== undefined && (await changedCodes(sql, c, settingsHash, prev));
  return { against: prev?.id ?? -1, prev, some };
}

/**
 * The scope of a computation of only the changed lines: the codes whose inputs changed since
 * the cart's newest line set can be told, that set is the last delivered file's (no file made
 * since was lost), and it was recorded with its examples (by this version). Undefined otherwise.
 */
export async function changesOnly(
  sql: SqlSession,
  c: CartComputation,
  settingsHash: string,
): Promise<(DeltaScope & { prev: NewestSet }) | undefined> {
  const scope = await deltaScope(sql, c, settingsHash);
  const prev = scope.prev;
  if (!scope.some || !prev || prev.skipped_examples === null) return undefined;
  if (prev.id !== (await lastDeliveredSet(sql, c)).set) return undefined;
  return { ...scope, prev };
}

/** Whether rows of the cart wait in cart_line_changes (not yet folded into cart_lines). */
async function hasChanges(sql: SqlSession, c: { merchant: string; cart: string }): Promise<boolean> {
  return !!(await sql.get("SELECT 1 FROM cart_line_changes WHERE merchant = ? AND cart = ? LIMIT 1", [
    c.merchant,
    c.cart,
  ]));
}

/**
 * Where fillDelta reads the cart's open rows: cart_lines itself while no changes wait, else
 * temp.cart_open filled with those of both tables (of the scope's codes, where it has them).
 */
async function openRows(
  sql: SqlSession,
  c: CartComputation,
  scope: DeltaScope,
): Promise<{ from: string; where: string }> {
  if (!(await hasChanges(sql, c)))
    return { from: "cart_lines l", where: "l.merchant = @merchant AND l.cart = @cart AND l.to_set IS NULL" };
  const only = scope.some ? "AND code IN (SELECT code FROM cart_changed)" : "";
  const mine = `merchant = @merchant AND cart = @cart AND to_set IS NULL ${only}`;
  const p = { merchant: c.merchant, cart: c.cart };
  await sql.run("DELETE FROM cart_open");
  await sql.run(
    `INSERT INTO cart_open (code, sku, quantity, available, as_of)
     SELECT code, sku, quantity, available, as_of FROM cart_line_changes WHERE ${mine}`,
    p,
  );
  // a row of cart_lines with a copy among the changes is hidden by it (closed there, or still open)
  await sql.run(
    `INSERT INTO cart_open (code, sku, quantity, available, as_of)
     SELECT b.code, b.sku, b.quantity, b.available, b.as_of FROM cart_lines b WHERE ${mine}
       AND NOT EXISTS (SELECT 1 FROM cart_line_changes x WHERE x.merchant = b.merchant AND x.cart = b.cart
         AND x.code = b.code AND x.from_set = b.from_set)
     ON CONFLICT DO NOTHING`,
    p,
  );
  return { from: "cart_open l", where: "true" };
}

/**
 * Fills temp.cart_delta with the computed lines that differ from the cart's open rows (its
 * newest recorded line set): a line that is new or differs (SKU, quantity, or available and
 * as-of where the file carries them; `was`: the quantity it had), and one no longer carried
 * (gone). Only the codes in the scope are compared, where it has them.
 */
export async function fillDelta(
  sql: SqlSession,
  c: CartComputation,
  scope: DeltaScope,
): Promise<{ lines: number; against: number | null }> {
  await sql.run("DELETE FROM cart_delta");
  if (scope.against === null) return { lines: 0, against: null };
  const only = (col: string) => (scope.some ? `AND ${col} IN (SELECT code FROM cart_changed)` : "");
  const open = await openRows(sql, c, scope);
  const { available, asOf, values } = keptValues(c);
  const p = { merchant: c.merchant, cart: c.cart };
  const { changes: changed } = await sql.run(
    `INSERT INTO cart_delta (code, sku, quantity, available, as_of, gone, had, was)
     SELECT n.code, ${values}, 0, CASE WHEN l.code IS NULL THEN 0 ELSE 1 END, l.quantity FROM cart_out n
       LEFT JOIN ${open.from} ON ${open.where} AND l.code = n.code
     WHERE n.skip IS NULL ${only("n.code")}
       AND (l.code IS NULL OR l.quantity <> n.quantity OR l.sku IS DISTINCT FROM NULLIF(n.sku, n.code)
       OR l.available IS DISTINCT FROM ${available} OR l.as_of IS DISTINCT FROM ${asOf})`,
    p,
  );
  const { changes: gone } = await sql.run(
    `INSERT INTO cart_delta (code, sku, quantity, available, as_of, gone, had, was)
     SELECT l.code, l.sku, l.quantity, l.available, l.as_of, 1, 1, l.quantity FROM ${open.from}
     WHERE ${open.where} ${only("l.code")}
       AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = l.code)`,
    p,
  );
  return { lines: changed + gone, against: scope.against };
}

/**
 * Writes line set `id` as the changes in cart_delta, into cart_line_changes: each closes its
 * code's open row (one of cart_lines is copied there first, and the copy closed), and a line
 * carried gets a new row from `id`. For the codes written, rows no delivered file will ever be
 * the last sent of are dropped: those of files after the last delivered one (lost: at most one
 * file waits at a time, and it is this one), and those older than the code's row in that file
 * (of cart_lines only when folded). Returns the lines written.
 */
export async function applyDelta(sql: SqlSession, c: CartComputation, id: number): Promise<number> {
  const p = { merchant: c.merchant, cart: c.cart, id, last: (await lastDeliveredSet(sql, c)).set };
  const mine = "merchant = @merchant AND cart = @cart AND code IN (SELECT code FROM cart_delta)";
  // (only where a line set was recorded since the last delivered one: a lookup per code otherwise for nothing)
  const since = await sql.get(
    `SELECT 1 FROM cart_syncs WHERE merchant = @merchant AND cart = @cart AND id > @last AND id <> @id
       AND lines_set = id LIMIT 1`,
    p,
  );
  if (since) {
    await sql.run(`DELETE FROM cart_line_changes WHERE ${mine} AND from_set > @last`, p);
    await sql.run(`DELETE FROM cart_lines WHERE ${mine} AND from_set > @last`, p);
  }
  await sql.run(
    `INSERT INTO cart_line_changes (merchant, cart, code, from_set, sku, quantity, available, as_of, copied)
     SELECT merchant, cart, code, from_set, sku, quantity, available, as_of, 1 FROM cart_lines
     WHERE ${mine} AND to_set IS NULL
     ON CONFLICT DO NOTHING`,
    p,
  );
  await sql.run(`UPDATE cart_line_changes SET to_set = @id WHERE ${mine} AND to_set IS NULL`, p);
  await sql.run(
    `DELETE FROM cart_line_changes WHERE ${mine} AND copied = 0 AND from_set < (SELECT MAX(x.from_set)
       FROM cart_line_changes x WHERE x.merchant = cart_line_changes.merchant AND x.cart = cart_line_changes.cart
         AND x.code = cart_line_changes.code AND x.from_set <= @last)`,
    p,
  );
  await sql.run(
    `INSERT INTO cart_line_changes (merchant, cart, code, from_set, sku, quantity, available, as_of)
     SELECT CAST(@merchant AS TEXT), CAST(@cart AS TEXT), code, CAST(@id AS BIGINT), sku, quantity, available, as_of
     FROM cart_delta WHERE gone = 0`,
    p,
  );
  const lines = (await sql.get<Counted>("SELECT COUNT(*) AS n FROM cart_delta"))!.n;
  if (await foldDue(sql, c, id)) await foldChanges(sql, c, p.last);
  return lines;
}

/**
 * The share of a cart's lines its waiting changes may reach before they are folded into
 * cart_lines (0: at every file; Infinity: never; the tests run all three). A fold rewrites about
 * every page of the cart's rows of cart_lines; a file of changes at random codes written straight
 * into them rewrote about half of those pages at a 1% change (measured: bench, README).
 */
export const FOLD = { share: 0.1 };

async function foldDue(sql: SqlSession, c: CartComputation, id: number): Promise<boolean> {
  const waiting = (await sql.get<Counted>(
    "SELECT COUNT(*) AS n FROM cart_line_changes WHERE merchant = ? AND cart = ?",
    [c.merchant, c.cart],
  ))!.n;
  const { rows } = (await sql.get<{ rows: number }>("SELECT rows FROM cart_syncs WHERE id = ?", [id]))!;
  return waiting > 0 && waiting >= FOLD.share * rows;
}

/**
 * Folds the cart's waiting changes into cart_lines: each row replaces the one of the same key
 * (a copy, closed since) or is added, rows older than a code's row in the last delivered line
 * set (`last`) are dropped, and the changes are emptied.
 */
export async function foldChanges(sql: SqlSession, c: { merchant: string; cart: string }, last: number): Promise<void> {
  const p = { merchant: c.merchant, cart: c.cart, last };
  const cart = "merchant = @merchant AND cart = @cart";
  await sql.run(
    `INSERT INTO cart_lines (merchant, cart, code, from_set, to_set, sku, quantity, available, as_of)
     SELECT merchant, cart, code, from_set, to_set, sku, quantity, available, as_of FROM cart_line_changes
     WHERE ${cart}
     ON CONFLICT (merchant, cart, code, from_set) DO UPDATE SET to_set = excluded.to_set, sku = excluded.sku,
       quantity = excluded.quantity, available = excluded.available, as_of = excluded.as_of`,
    p,
  );
  // (a kill here, inside the file's transaction, leaves the changes where they were)
  faultPoint("sync:mid-fold");
  await sql.run(
    `DELETE FROM cart_lines WHERE ${cart} AND code IN (SELECT code FROM cart_line_changes WHERE ${cart})
       AND from_set < (SELECT MAX(x.from_set) FROM cart_lines x WHERE x.merchant = cart_lines.merchant
         AND x.cart = cart_lines.cart AND x.code = cart_lines.code AND x.from_set <= @last)`,
    p,
  );
  await sql.run(`DELETE FROM cart_line_changes WHERE ${cart}`, p);
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
export async function changedCodes(
  sql: SqlSession,
  c: CartComputation,
  settingsHash: string,
  prev: NewestSet,
): Promise<boolean> {
  if (prev.state_at === null || prev.lines_changed === null || prev.settings_hash !== settingsHash) return false;
  const p = { merchant: c.merchant, since: prev.state_at, alias: c.alias };
  const lists = await sql.get(
    `SELECT 1 FROM files WHERE merchant = @merchant AND id > @since AND kind NOT IN ('inventory', 'orders')
       AND status IN ('loaded', 'loaded_with_rejects') LIMIT 1`,
    p,
  );
  if (lists) return false;
  // an order's product is its SKU, or the one product of its alias code when that is no product's SKU (rule 9):
  // a new SKU that is some product's alias code takes that code's orders from it. One statement each (CROSS
  // JOIN: from the rows written since): as one UNION SQLite's planner would walk every alias to merge them in order
  const since = "w.merchant = @merchant AND w.file_id > @since";
  const skus = ["inventory", "orders", "order_moves"].flatMap((t) => [
    `SELECT w.sku FROM ${t} w WHERE ${since}`,
    `SELECT x.sku FROM ${t} w CROSS JOIN aliases x WHERE x.merchant = w.merchant AND x.code = w.sku AND ${since}`,
  ]);
  for (const sku of skus)
    await sql.run(`INSERT INTO cart_changed_skus (sku) ${sku} ON CONFLICT DO NOTHING`, {
      merchant: p.merchant,
      since: p.since,
    });
  // lines its writer could not carry are not among its lines: written again, they are left out again
  await sql.run(
    `INSERT INTO cart_changed_skus (sku) SELECT sku FROM sync_skipped
     WHERE sync_id = ? AND reason = 'unsendable' ON CONFLICT DO NOTHING`,
    [prev.id],
  );
  const codes =
    c.alias === null
      ? "SELECT sku FROM cart_changed_skus WHERE true"
      : `SELECT a.code FROM aliases a WHERE a.merchant = @merchant AND a.alias_type = @alias
           AND a.sku IN (SELECT sku FROM cart_changed_skus)`;
  const { changes: n } = await sql.run(
    `INSERT INTO cart_changed (code) ${codes} ON CONFLICT DO NOTHING`,
    c.alias === null ? {} : { merchant: p.merchant, alias: p.alias },
  );
  return n <= CHANGED_SHARE * prev.rows;
}

/** A product left out of a cart's file, and why. */
export type SkipExample = { sku: string; code: string | null; skip: SkipReason };

/**
 * What a file computed from the changed lines carries (before its writer leaves any out): the
 * last file's lines and units with the changes in cart_delta, and its products left out by
 * reason with those of the products new to the cart (`base`: the changed SKUs' levels, fresh
 * when new). A product's reason depends only on the alias list and the catalog, which did not
 * change, and a product never leaves the levels; those the writer left out are among the
 * changed lines, so none is left out by it yet.
 */
export async function changedTotals(
  sql: SqlSession,
  prev: NewestSet,
  base: string,
): Promise<{ rows: number; units: number; skipped: Record<SkipReason, number> }> {
  const d = (await sql.get<{ rows: number; units: number }>(
    `SELECT COALESCE(SUM(CASE WHEN gone = 1 THEN -1 WHEN had = 0 THEN 1 ELSE 0 END), 0) AS rows,
       COALESCE(SUM(CASE WHEN gone = 0 THEN quantity ELSE 0 END), 0)
         - COALESCE(SUM(CASE WHEN had = 1 THEN was ELSE 0 END), 0) AS units FROM cart_delta`,
  ))!;
  const skipped: Record<SkipReason, number> = {
    ...NO_SKIPS,
    ...(prev.skipped_by ? (JSON.parse(prev.skipped_by) as Record<SkipReason, number>) : {}),
    unsendable: 0,
  };
  const fresh = await sql.all<{ skip: SkipReason; n: number }>(
    `SELECT o.skip, COUNT(*) AS n FROM cart_out o JOIN ${base} b ON b.sku = o.sku
     WHERE b.fresh = 1 AND o.skip IS NOT NULL GROUP BY o.skip`,
  );
  for (const r of fresh) skipped[r.skip] += r.n;
  return { rows: prev.rows + d.rows, units: prev.units + d.units, skipped };
}

/**
 * The first `perReason` products left out per reason, in line order (code, then SKU): of the
 * last file's first ones and those of the products new to the cart (no other product's reason
 * can have changed: see changedTotals).
 */
export async function mergeExamples(
  sql: SqlSession,
  prev: NewestSet,
  base: string,
  perReason: number,
): Promise<SkipExample[]> {
  const fresh = await sql.all<SkipExample>(
    `SELECT o.sku, NULLIF(o.code, '') AS code, o.skip FROM cart_out o JOIN ${base} b ON b.sku = o.sku
     WHERE b.fresh = 1 AND o.skip IS NOT NULL AND o.skip <> 'unsendable'`,
  );
  const all = [...(JSON.parse(prev.skipped_examples ?? "[]") as SkipExample[]), ...fresh];
  const order = (a: SkipExample, b: SkipExample) =>
    compareCodes(a.code ?? "", b.code ?? "") || compareCodes(a.sku, b.sku);
  // the writer's reasons are its own, found as it writes (see changedTotals)
  return SKIP_REASONS.filter((r) => r !== "unsendable").flatMap((reason) =>
    all
      .filter((e) => e.skip === reason)
      .sort(order)
      .slice(0, perReason),
  );
}
