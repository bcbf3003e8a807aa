import type { Store } from "../store.js";
import { SqlSlices } from "../sql/slices.js";
import { sessionTables } from "../sql/temp-tables.js";
import { connectPg, type PgTarget } from "./connect.js";
import type { PgSession } from "./session.js";

/**
 * stockfeed's state in PostgreSQL, behind the Store interface: the same slices as SQLite's
 * (src/state/sql/), on one connection of its own (its temporary tables and transactions are
 * that connection's). Many stores on one database run side by side, one per worker job; what
 * keeps two of them from writing one merchant's state at once is the worker's merchant lock.
 */
export class PgStore extends SqlSlices<PgSession> implements Store {
  private constructor(
    session: PgSession,
    private readonly dryRun: boolean,
  ) {
    super(session);
  }

  /**
   * Connects, brings the schema up to date and makes the session's temporary tables. A dry
   * run's store works inside one transaction that close() rolls back: nothing it does is kept,
   * and nobody else sees it meanwhile.
   */
  static async open(target: PgTarget, opts: { dryRun?: boolean } = {}): Promise<PgStore> {
    const session = await connectPg(target, opts);
    try {
      await session.exec(sessionTables(session.dialect));
    } catch (e) {
      await session.close().catch(() => undefined);
      throw e;
    }
    return new PgStore(session, !!opts.dryRun);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.session.transaction(fn);
  }
  async begin(): Promise<void> {
    await this.session.begin();
  }
  async commit(): Promise<void> {
    await this.session.commit();
  }
  async rollback(): Promise<void> {
    await this.session.rollback();
  }
  async close(): Promise<void> {
    if (this.dryRun) await this.session.rollback().catch(() => undefined);
    await this.session.close();
  }
}
