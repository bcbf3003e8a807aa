/**
 * PostgreSQL's schema is SQLite's: the same tables and columns (nullability, primary keys),
 * the same indexes on the same columns and the same views, at the same version number. A
 * migration written in one list and not the other fails here.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/state/migrations.js";
import { PG_VERSION } from "../../src/state/postgres/connect.js";
import type { PgSession } from "../../src/state/postgres/session.js";
import { openStore } from "../../src/state/store.js";
import { pgSession, postgres, sqliteFolder } from "../helpers/stores.js";

interface Shape {
  columns: Record<string, string[]>;
  indexes: Record<string, string>;
  views: string[];
}

/** tables SQLite orders by rowid carry an id in PostgreSQL (postgres/schema.ts) */
const ROWID_TABLES = new Set(["rejects", "inventory_history", "sync_skipped", "order_moves"]);

async function sqliteShape(): Promise<Shape> {
  const folder = sqliteFolder();
  await (await openStore(folder.path)).close();
  const db = new Database(folder.path, { readonly: true });
  try {
    const names = (type: string) =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all(type) as string[];
    const columns: Shape["columns"] = {};
    for (const t of names("table")) {
      const info = db.pragma(`table_info(${t})`) as Array<{ name: string; notnull: number; pk: number }>;
      columns[t] = info.map((c) => `${c.name}${c.notnull || c.pk ? " not null" : ""}${c.pk ? ` pk${c.pk}` : ""}`);
    }
    const indexes: Shape["indexes"] = {};
    for (const i of names("index")) {
      const cols = (db.pragma(`index_info(${i})`) as Array<{ name: string }>).map((c) => c.name);
      const table = db.prepare("SELECT tbl_name FROM sqlite_master WHERE name = ?").pluck().get(i) as string;
      indexes[i] = `${table}(${cols.join(", ")})`;
    }
    return { columns, indexes, views: names("view") };
  } finally {
    db.close();
    folder.remove();
  }
}

async function pgShape(session: PgSession): Promise<Shape> {
  const cols = await session.all<{ t: string; c: string; nullable: string; pk: number | null }>(
    `SELECT c.table_name AS t, c.column_name AS c, c.is_nullable AS nullable,
        (SELECT k.ordinal_position FROM information_schema.key_column_usage k
          JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name
           AND tc.table_name = k.table_name AND tc.constraint_type = 'PRIMARY KEY'
          WHERE k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
      FROM information_schema.columns c JOIN information_schema.tables t
        ON t.table_name = c.table_name AND t.table_schema = c.table_schema
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'stockfeed_schema'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const columns: Shape["columns"] = {};
  for (const r of cols) {
    if (ROWID_TABLES.has(r.t) && r.c === "id") continue;
    const pk = r.pk ? ` pk${r.pk}` : "";
    (columns[r.t] ??= []).push(`${r.c}${r.nullable === "NO" ? " not null" : ""}${pk}`);
  }
  const idx = await session.all<{ i: string; t: string; cols: string }>(
    `SELECT i.relname AS i, t.relname AS t,
        string_agg(a.attname, ', ' ORDER BY k.n) AS cols
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace s ON s.oid = t.relnamespace
      CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE s.nspname = 'public' AND NOT x.indisprimary
      GROUP BY i.relname, t.relname`,
  );
  const indexes: Shape["indexes"] = {};
  // SQLite's indexes end in the rowid unnamed; PostgreSQL's on those tables name the id
  for (const r of idx) indexes[r.i] = `${r.t}(${ROWID_TABLES.has(r.t) ? r.cols.replace(/, id$/, "") : r.cols})`;
  const views = await session.all<{ v: string }>(
    "SELECT table_name AS v FROM information_schema.views WHERE table_schema = 'public' ORDER BY table_name",
  );
  return { columns, indexes, views: views.map((v) => v.v) };
}

describe.skipIf(!postgres)("the PostgreSQL schema", () => {
  let session: PgSession;
  beforeAll(async () => {
    session = await pgSession();
  });
  afterAll(async () => session?.close());

  it("is at the same version as SQLite's", async () => {
    expect(PG_VERSION).toBe(migrations.length);
    expect((await session.get<{ version: number }>("SELECT version FROM stockfeed_schema"))?.version).toBe(
      migrations.length,
    );
  });

  it("has SQLite's tables, columns, keys, indexes and views", async () => {
    const [lite, pg] = [await sqliteShape(), await pgShape(session)];
    expect(pg.columns).toEqual(lite.columns);
    expect(pg.indexes).toEqual(lite.indexes);
    expect(pg.views).toEqual(lite.views);
  });

  it("migrates once when two sessions open a new database at the same time", async () => {
    const { freshDatabase } = await import("../helpers/stores.js");
    const { connectPg } = await import("../../src/state/postgres/connect.js");
    const target = await freshDatabase();
    const both = await Promise.all([connectPg(target), connectPg(target)]);
    expect(await both[0].all("SELECT version FROM stockfeed_schema")).toEqual([{ version: migrations.length }]);
    await Promise.all(both.map((s) => s.close()));
  });
});
