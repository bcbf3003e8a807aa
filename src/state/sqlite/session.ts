import type Database from "better-sqlite3";
import type { Dialect, Params, SqlSession } from "../sql/session.js";

const sqlite: Dialect = {
  name: "sqlite",
  insertOrder: "rowid",
  jsonTexts: (param) => `SELECT value FROM json_each(${param})`,
};

/** The shared SQL session on a better-sqlite3 connection: statements prepared once and kept. */
export class SqliteSession implements SqlSession {
  readonly dialect = sqlite;
  private readonly statements = new Map<string, Database.Statement>();
  private savepoints = 0;

  constructor(private readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  async run(sql: string, params: Params = []): Promise<{ changes: number }> {
    return { changes: this.statement(sql).run(...bind(params)).changes };
  }
  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return this.statement(sql).get(...bind(params)) as T | undefined;
  }
  async all<T>(sql: string, params: Params = []): Promise<T[]> {
    return this.statement(sql).all(...bind(params)) as T[];
  }
  async runMany(sql: string, rows: Iterable<Params>): Promise<void> {
    const s = this.statement(sql);
    await this.transaction(async () => {
      for (const r of rows) s.run(...bind(r));
    });
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sf_${++this.savepoints}`;
    const outer = !this.db.inTransaction;
    this.db.exec(outer ? "BEGIN IMMEDIATE" : `SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(outer ? "COMMIT" : `RELEASE ${name}`);
      return result;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec(outer ? "ROLLBACK" : `ROLLBACK TO ${name}; RELEASE ${name}`);
      throw e;
    } finally {
      this.savepoints--;
    }
  }
}

/** better-sqlite3 takes positional values spread and named ones as one object */
function bind(params: Params): unknown[] {
  return Array.isArray(params) ? params : [params];
}
