import Database from "better-sqlite3";
import { existsSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { StockfeedError } from "../../errors.js";
import { makeDirs } from "../../util/fs.js";
import { stateFault } from "../errors.js";
import { migrations } from "../migrations.js";
import type { Store } from "../store.js";
import { SqlSlices } from "../sql/slices.js";
import { sessionTables } from "../sql/temp-tables.js";
import { SqliteSession } from "./session.js";

/** SQLite page cache per connection (KiB), main and temp each */
export const CACHE_KB = 32 * 1024;

/**
 * stockfeed's state in one SQLite file, behind the Store interface: stages call its slices'
 * methods, never SQL, and nothing outside state/sqlite/ sees the connection. Writes happen
 * inside explicit transactions the caller opens with `transaction()` or `begin()/commit()`
 * (async loads that stream a file inside one transaction).
 */
export class SqliteStore extends SqlSlices<SqliteSession> implements Store {
  private constructor(private readonly db: Database.Database) {
    super(new SqliteSession(db));
  }
  /**
   * Opens (or creates) the state. A fault (a full disk, a file that is not a database) is a
   * one-line state error, and a state file this call created is not left behind half made.
   */
  static open(path: string): SqliteStore {
    const created = path !== ":memory:" && !existsSync(path);
    let db: Database.Database | undefined;
    try {
      if (path !== ":memory:") makeDirs(dirname(path));
      db = new Database(path);
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      const store = new SqliteStore(db);
      store.migrate();
      store.prepareSession();
      return store;
    } catch (e) {
      db?.close();
      if (created) for (const f of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      const fault = stateFault(e, path);
      if (fault) throw fault;
      if ((e as NodeJS.ErrnoException).code) {
        throw new StockfeedError(
          `cannot open the state database ${path}: ${(e as Error).message}`,
          "state",
          "state_failed",
        );
      }
      throw e;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > migrations.length)
      throw new StockfeedError(
        `the state database is from a newer stockfeed (schema ${version}, this one knows ${migrations.length})`,
        "state",
        "state_failed",
      );
    for (let v = version; v < migrations.length; v++) {
      this.db.transaction(() => {
        this.db.exec(migrations[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** Per-connection settings and temp tables. */
  private prepareSession(): void {
    // a page cache that holds the hot part of million-row tables (the default is 2 MB);
    // a cap, not an allocation: memory stays flat however large the catalog grows
    this.db.pragma(`cache_size = -${CACHE_KB}`);
    this.db.pragma(`temp.cache_size = -${CACHE_KB}`);
    this.db.exec(sessionTables(this.session.dialect));
  }

  // ---- transactions -------------------------------------------------------

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.begin();
    try {
      const result = await fn();
      await this.commit();
      return result;
    } catch (e) {
      await this.rollback();
      throw e;
    }
  }
  async begin(): Promise<void> {
    this.db.exec("BEGIN IMMEDIATE");
  }
  async commit(): Promise<void> {
    this.db.exec("COMMIT");
  }
  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }
}
