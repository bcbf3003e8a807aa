import { hostname } from "node:os";
import type { Client } from "pg";
import { StockfeedError } from "../../errors.js";
import { openPgClient, type PgTarget } from "./connect.js";

/** the advisory lock key of a merchant's state (one 64-bit key per merchant id) */
const KEY = "hashtextextended('stockfeed merchant ' || CAST(? AS text), 0)";

/**
 * One merchant's state is written by one process at a time: a `run` or a worker's job holds
 * a PostgreSQL session-level advisory lock per merchant it works on, on a connection of its
 * own, for as long as it works. A process that dies loses its connection, and PostgreSQL
 * frees its locks: nothing to take over by hand. A merchant already held is refused with
 * who holds it (its application_name: the command, host and pid).
 */
export class MerchantLocks {
  private constructor(
    private readonly client: Client,
    readonly merchants: readonly string[],
  ) {}

  /** Takes every merchant's lock, or none (and says who holds the first one taken). */
  static async acquire(target: PgTarget, merchants: readonly string[], command: string): Promise<MerchantLocks> {
    const name = `${command} (pid ${process.pid} on ${hostname()})`.slice(0, 63);
    const client = await openPgClient(target, name);
    try {
      for (const m of merchants) {
        const r = await client.query(`SELECT pg_try_advisory_lock(${KEY.replace("?", "$1")}) AS ok`, [m]);
        if (r.rows[0].ok) continue;
        const holder = await heldBy(client, m);
        throw new StockfeedError(
          `merchant ${m}'s state is in use by ${holder ?? "another stockfeed process"}: ` +
            "one process works on a merchant at a time",
          "state",
          "state_failed",
        );
      }
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return new MerchantLocks(client, merchants);
  }

  /** Frees the locks (ending the connection frees them too). */
  async release(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** The application_name and start of the session holding merchant `m`'s lock. */
async function heldBy(client: Client, m: string): Promise<string | undefined> {
  const r = await client.query(
    `SELECT a.application_name AS who, a.backend_start AS since FROM pg_locks l
       JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted
       AND (CAST(l.classid AS bigint) << 32 | CAST(l.objid AS bigint)) = ${KEY.replace("?", "$1")}`,
    [m],
  );
  const row = r.rows[0] as { who: string; since: Date } | undefined;
  return row ? `${row.who || "a session"} since ${row.since.toISOString()}` : undefined;
}
