import type { Client } from "pg";
import type { Dialect, Params, SqlSession } from "../sql/session.js";
import { orderedValues, translatePlaceholders, type Translated } from "./placeholders.js";

const postgres: Dialect = {
  name: "postgres",
  insertOrder: "id",
  jsonTexts: (param) => `SELECT value FROM json_array_elements_text(CAST(${param} AS json))`,
};

/**
 * The shared SQL session on one PostgreSQL connection (a store owns its connection: temp
 * tables and transactions are per connection). Statements are translated once and sent as
 * named prepared statements, so the server parses each once per connection.
 */
export class PgSession implements SqlSession {
  readonly dialect = postgres;
  private readonly translated = new Map<string, Translated & { name: string }>();
  private depth = 0;

  constructor(readonly client: Client) {}

  private query(sql: string, params: Params) {
    let t = this.translated.get(sql);
    if (!t) this.translated.set(sql, (t = { ...translatePlaceholders(sql), name: `sf${this.translated.size}` }));
    return this.client.query({ name: t.name, text: t.text, values: orderedValues(t, params) });
  }

  async run(sql: string, params: Params = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }
  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }
  async all<T>(sql: string, params: Params = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }
  async runMany(sql: string, rows: Iterable<Params>): Promise<void> {
    // one round trip per row on a prepared statement; bulk loads of many rows take COPY instead
    await this.transaction(async () => {
      for (const r of rows) await this.query(sql, r);
    });
  }

  /** a script of statements without parameters (migrations) */
  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sf_${this.depth + 1}`;
    const outer = this.depth === 0;
    await this.client.query(outer ? "BEGIN" : `SAVEPOINT ${name}`);
    this.depth++;
    try {
      const result = await fn();
      await this.client.query(outer ? "COMMIT" : `RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      await this.client.query(outer ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${name}`);
      throw e;
    } finally {
      this.depth--;
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** the store's own begin/commit (a load streamed inside one transaction) */
  async begin(): Promise<void> {
    await this.client.query("BEGIN");
    this.depth++;
  }
  async commit(): Promise<void> {
    await this.client.query("COMMIT");
    this.depth = 0;
  }
  async rollback(): Promise<void> {
    if (this.depth === 0) return;
    await this.client.query("ROLLBACK");
    this.depth = 0;
  }
}
