import type Database from "better-sqlite3";

/** The SQLite connection, as the slices and read models inside state/sqlite/ use it. */
export type Db = Database.Database;

/** One part of the SQLite state (ledger, inventory, carts, edi): its statements run on the one connection. */
export abstract class Slice {
  constructor(protected readonly db: Database.Database) {}

  /** `fn` in a transaction (a savepoint when one is open already). */
  protected transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
