/**
 * The stores a state suite runs on: SQLite on a real file, and PostgreSQL (a fresh database
 * on the run's test server) when one is there. One suite, parameterised: `describe.each(stores)`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { inject } from "vitest";
import { connectPg, type PgTarget } from "../../src/state/postgres/connect.js";
import type { PgSession } from "../../src/state/postgres/session.js";
import type { SqlSession } from "../../src/state/sql/session.js";
import { SqliteSession } from "../../src/state/sqlite/session.js";
import { openStore } from "../../src/state/store.js";

export const postgres = inject("postgres");

/** a new, empty database on the test server: each suite gets its own */
export async function freshDatabase(): Promise<PgTarget> {
  if (!postgres) throw new Error("no test PostgreSQL (see test/helpers/postgres-setup.ts)");
  const name = `sf_${randomBytes(6).toString("hex")}`;
  const login = new URL(postgres.url);
  login.password = postgres.password;
  const admin = new pg.Client({ connectionString: login.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return { url: url.toString(), password: postgres.password };
}

/** a PostgreSQL session on a fresh database, migrated */
export async function pgSession(): Promise<PgSession> {
  return connectPg(await freshDatabase());
}

/** a temp folder for a SQLite state file; remove() when done */
export function sqliteFolder(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "stockfeed-state-"));
  return { path: join(dir, "state.sqlite"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type StoreName = "sqlite" | "postgres";
/** the stores to run a suite on; PostgreSQL's is skipped (and said so by the setup) where none runs */
export const stores: ReadonlyArray<{ store: StoreName; skip: boolean }> = [
  { store: "sqlite", skip: false },
  { store: "postgres", skip: !postgres },
];

/**
 * A migrated state of either store, as the shared slices see it: `session()` opens one more
 * connection to the same state (as a second worker would); close() ends them all.
 */
export async function openState(
  store: StoreName,
): Promise<{ session: () => Promise<SqlSession>; close: () => Promise<void> }> {
  const closers: Array<() => Promise<void> | void> = [];
  let session: () => Promise<SqlSession>;
  if (store === "postgres") {
    const target = await freshDatabase();
    session = async () => {
      const s = await connectPg(target);
      closers.push(() => s.close());
      return s;
    };
  } else {
    const folder = sqliteFolder();
    await (await openStore(folder.path)).close();
    closers.push(folder.remove);
    session = async () => {
      const db = new Database(folder.path);
      db.pragma("busy_timeout = 5000");
      closers.unshift(() => {
        db.close();
      });
      return new SqliteSession(db);
    };
  }
  return {
    session,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
