/**
 * The stores a state suite runs on: SQLite on a real file, and PostgreSQL (a fresh database
 * on the run's test server) when one is there. One suite, parameterised: `describe.each(stores)`.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { inject } from "vitest";
import { connectPg, openPgClient, type PgTarget } from "../../src/state/postgres/connect.js";
import { PgSession } from "../../src/state/postgres/session.js";
import type { SqlSession } from "../../src/state/sql/session.js";
import { SqliteSession } from "../../src/state/sqlite/session.js";
import { openStore, type StateTarget } from "../../src/state/store.js";

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

/**
 * A new, empty database made at once (psql, synchronously: a Scenario's constructor makes its
 * state before any run); its URL carries no password (the run reads it from the environment).
 */
export function freshDatabaseSync(): PgTarget {
  if (!postgres) throw new Error("no test PostgreSQL (see test/helpers/postgres-setup.ts)");
  const name = `sf_${randomBytes(6).toString("hex")}`;
  const psql = postgres.bin ? join(postgres.bin, "psql") : "psql";
  const made = spawnSync(psql, [postgres.url, "-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE ${name}`], {
    env: { ...process.env, PGPASSWORD: postgres.password },
    encoding: "utf8",
  });
  if (made.status !== 0) throw new Error(`psql could not make a test database: ${made.stderr || made.error}`);
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return { url: url.toString(), password: postgres.password };
}

/** the store the run-level suites (Scenario) put their state in: the project's (vitest.config.ts) */
export const scenarioStore: StoreName = process.env.STOCKFEED_TEST_STORE === "postgres" ? "postgres" : "sqlite";

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

/**
 * A raw SQL session on a config's state, for the few tests that must reach past the Store (to
 * tamper with a record, or to read every table): closed by close().
 */
export async function stateSession(state: StateTarget): Promise<{ session: SqlSession; close: () => Promise<void> }> {
  if (state.kind === "postgres") {
    // (not connectPg: that would make the schema of a state that has none)
    const s = new PgSession(await openPgClient({ url: state.url, password: postgres?.password }));
    return { session: s, close: () => s.close() };
  }
  const db = new Database(state.path);
  db.pragma("busy_timeout = 5000");
  return {
    session: new SqliteSession(db),
    close: async () => {
      db.close();
    },
  };
}

/** Every table of a state with its rows (sorted): equal dumps, equal states. */
export async function dumpState(state: StateTarget): Promise<Record<string, unknown[]>> {
  const { session, close } = await stateSession(state);
  try {
    const tables = await session.all<{ name: string }>(
      state.kind === "postgres"
        ? `SELECT table_name AS name FROM information_schema.tables
           WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`
        : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      const rows = await session.all<Record<string, unknown>>(`SELECT * FROM "${name}"`);
      out[name] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await close();
  }
}
