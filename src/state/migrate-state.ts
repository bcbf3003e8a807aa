/**
 * Moves a deployment's state from its SQLite file into an empty PostgreSQL database, whole:
 * every table row for row with its ids (the ledger, the sent lines, {seq} counters, X12
 * control numbers, the run log), in one PostgreSQL transaction, then each identity column's
 * next value set past the ids copied. The counts are checked table by table before it commits.
 */
import Database from "better-sqlite3";
import { StockfeedError } from "../errors.js";
import { StateLock } from "./lock.js";
import { connectPg, type PgTarget } from "./postgres/connect.js";
import { pgMigrations } from "./postgres/schema.js";
import { SqliteStore } from "./sqlite/store.js";

export interface MigratedTable {
  table: string;
  rows: number;
}

/** the state's tables in the order the schema makes them (every reference before its referrer) */
function tablesInOrder(): string[] {
  return [...pgMigrations.join("\n").matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]);
}

export async function migrateState(from: string, to: PgTarget): Promise<MigratedTable[]> {
  const lock = StateLock.acquire(from, "stockfeed migrate-state");
  try {
    // brought up to this version's schema first, as any run would
    await SqliteStore.open(from).close();
    const source = new Database(from, { readonly: true, fileMustExist: true });
    const target = await connectPg(to);
    try {
      return await target.transaction(() => copyAll(source, target));
    } finally {
      source.close();
      await target.close();
    }
  } finally {
    lock.release();
  }
}

async function copyAll(source: Database.Database, target: Awaited<ReturnType<typeof connectPg>>) {
  const used = await target.get<{ n: number }>(
    "SELECT (SELECT COUNT(*) FROM files) + (SELECT COUNT(*) FROM runs) AS n",
  );
  if (used!.n > 0)
    throw new StockfeedError(
      "the PostgreSQL state is not empty (it has files or runs): migrate-state fills an empty one only",
      "state",
      "state_failed",
    );
  const copied: MigratedTable[] = [];
  for (const table of tablesInOrder()) {
    const columns = (
      await target.all<{ name: string; identity: string }>(
        `SELECT column_name AS name, is_identity AS identity FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`,
        [table],
      )
    ).map((c) => ({ ...c, identity: c.identity === "YES" }));
    const own = new Set((source.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name));
    const ddl = source.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as
      { sql: string } | undefined;
    if (!ddl) throw new Error(`migrate-state: the SQLite state has no table ${table}`);
    const byRowid = !/WITHOUT ROWID/i.test(ddl.sql);
    // an id PostgreSQL adds where SQLite orders rows by rowid: the rowid, so the order stays
    const select = columns.map((c) => (own.has(c.name) ? `"${c.name}"` : `rowid AS "${c.name}"`)).join(", ");
    const order = byRowid ? "ORDER BY rowid" : "";
    const rows = source.prepare(`SELECT ${select} FROM "${table}" ${order}`).raw(true).iterate() as Iterable<unknown[]>;
    const names = columns.map((c) => c.name);
    const written = await target.insertRows(table, names, rows);
    const had = (source.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
    if (written !== had) throw new Error(`migrate-state: ${table} has ${had} rows in SQLite, ${written} were copied`);
    for (const c of columns.filter((x) => x.identity))
      await target.get(
        `SELECT setval(pg_get_serial_sequence('${table}', '${c.name}'), COALESCE(MAX("${c.name}"), 0) + 1, false)
         FROM ${table}`,
      );
    copied.push({ table, rows: written });
  }
  return copied;
}
