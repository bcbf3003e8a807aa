import type Database from "better-sqlite3";
import type { Dialect, Params, SqlSession } from "../sql/session.js";

const sqlite: Dialect = {
  name: "sqlite",
  insertOrder: "rowid",
  jsonTexts: (param) => `SELECT value FROM json_each(${param})`,
  text: "TEXT",
  temp: (name) => `temp.${name}`,
  keyed: "WITHOUT ROWID",
  rowNumber: "",
  indexedBy: (index) => `INDEXED BY ${index}`,
  analyze: () => "",
  wideSum: (expr) => `TOTAL(${expr})`,
  contains: (haystack, needle) => `instr(${haystack}, ${needle}) > 0`,
  jsonLength: (doc, key) => `json_array_length(${doc}, '$.${key}')`,
  jsonTrue: (doc, key) => `COALESCE(json_extract(${doc}, '$.${key}'), 0) = 1`,
  least: (a, b) => `MIN(${a}, ${b})`,
  greatest: (a, b) => `MAX(${a}, ${b})`,
};

/** The shared SQL session on a better-sqlite3 connection: statements prepared once and kept. */
export class SqliteSession implements SqlSession {
  readonly dialect = sqlite;
  private readonly statements = new Map<string, Database.Statement>();
  private savepoints = 0;

  constructor(private readonly db: Database.Database) {}

  /** `raw`: one that returns rows as arrays (kept apart: better-sqlite3's raw mode is the statement's) */
  private statement(sql: string, raw = false): Database.Statement {
    const key = raw ? `raw:${sql}` : sql;
    let s = this.statements.get(key);
    if (!s) this.statements.set(key, (s = raw ? this.db.prepare(sql).raw(true) : this.db.prepare(sql)));
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
  async values<T extends unknown[]>(sql: string, params: Params = []): Promise<T[]> {
    return this.statement(sql, true).all(...bind(params)) as T[];
  }
  async runMany(sql: string, rows: Iterable<Params>): Promise<void> {
    const s = this.statement(sql);
    await this.transaction(async () => {
      for (const r of rows) s.run(...bind(r));
    });
  }

  async insertRows(
    table: string,
    columns: readonly string[],
    rows: Iterable<readonly unknown[]>,
    conflict = "",
  ): Promise<number> {
    const values = columns.map(() => "?").join(", ");
    const s = this.statement(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${values}) ${conflict}`);
    let written = 0;
    await this.transaction(async () => {
      for (const r of rows) written += s.run(...r).changes;
    });
    return written;
  }
  async exec(script: string): Promise<void> {
    this.db.exec(script);
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
