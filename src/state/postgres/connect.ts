import type { Client } from "pg";
import { StockfeedError } from "../../errors.js";
import { PgSession } from "./session.js";
import { pgMigrations, SQLITE_BASE } from "./schema.js";

/** Where a PostgreSQL state is: the URL carries no password; it comes from the environment. */
export interface PgTarget {
  readonly url: string;
  readonly password?: string;
}

/** the URL without a password, for messages */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(an unreadable postgres:// URL)";
  }
}

/** pg reads the connection string over a separate password: the password goes into the URL it is given */
function withPassword(target: PgTarget): string {
  if (target.password === undefined) return target.url;
  const u = new URL(target.url);
  u.password = target.password;
  return u.toString();
}

/** the schema version a PostgreSQL state has after its migrations (the same number as SQLite's) */
export const PG_VERSION = SQLITE_BASE + pgMigrations.length - 1;

const INT8 = 20;
const NUMERIC = 1700;

/** bigint and numeric as numbers, as SQLite gives them (times in ms and unit counts stay far below 2^53) */
function getTypeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8 || oid === NUMERIC) return toNumber;
  return pgTypes.getTypeParser(oid, format as "text");
}
function toNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) && Number.isInteger(n)) throw new Error(`an integer beyond 2^53 in the state: ${value}`);
  return n;
}
let pgTypes: typeof import("pg").types;

/**
 * A connected client to a PostgreSQL state, its numbers read as SQLite gives them. A server
 * that cannot be reached or refuses the login is a one-line state error, retriable.
 */
export async function openPgClient(target: PgTarget, applicationName = "stockfeed"): Promise<Client> {
  const pg = (await import("pg")).default;
  pgTypes = pg.types;
  const client: Client = new pg.Client({
    connectionString: withPassword(target),
    types: { getTypeParser } as never,
    application_name: applicationName,
  });
  // a connection the server drops fails the query in hand (and every later one): that is where it is reported
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new StockfeedError(
      `cannot reach the PostgreSQL state at ${redactUrl(target.url)}: ${(e as Error).message}`,
      "state",
      "state_failed",
      true,
    );
  }
  return client;
}

/**
 * Connects one session to a PostgreSQL state and brings its schema up to date (under an
 * advisory lock, so that workers starting together migrate it once). `dryRun`: the session is
 * left inside a transaction that nothing commits (the caller rolls it back).
 */
export async function connectPg(target: PgTarget, opts: { dryRun?: boolean } = {}): Promise<PgSession> {
  const client = await openPgClient(target);
  const session = new PgSession(client);
  try {
    // a dry run's session works in one transaction it never commits: its migration too
    if (opts.dryRun) await session.begin();
    await migrate(session, target);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return session;
}

async function migrate(session: PgSession, target: PgTarget): Promise<void> {
  await session.transaction(async () => {
    await session.exec("SELECT pg_advisory_xact_lock(hashtext('stockfeed: migrate the state'))");
    await session.exec("CREATE TABLE IF NOT EXISTS stockfeed_schema (version bigint NOT NULL)");
    const row = await session.get<{ version: number }>("SELECT version FROM stockfeed_schema");
    const version = row?.version ?? SQLITE_BASE - 1;
    if (version > PG_VERSION) {
      throw new StockfeedError(
        `the state at ${redactUrl(target.url)} is from a newer stockfeed (schema ${version}, this one knows ${PG_VERSION})`,
        "state",
        "state_failed",
      );
    }
    for (let v = version + 1; v <= PG_VERSION; v++) await session.exec(pgMigrations[v - SQLITE_BASE]);
    if (!row) await session.run("INSERT INTO stockfeed_schema (version) VALUES (?)", [PG_VERSION]);
    else if (version !== PG_VERSION) await session.run("UPDATE stockfeed_schema SET version = ?", [PG_VERSION]);
  });
}
