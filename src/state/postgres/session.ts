import type { Client, QueryConfig } from "pg";
import type { Dialect, Params, SqlSession } from "../sql/session.js";
import { orderedValues, translatePlaceholders, type Translated } from "./placeholders.js";

const postgres: Dialect = {
  name: "postgres",
  insertOrder: "id",
  jsonTexts: (param) => `SELECT value FROM json_array_elements_text(CAST(${param} AS json))`,
  text: 'TEXT COLLATE "C"',
  temp: (name) => `pg_temp.${name}`,
  keyed: "",
  rowNumber: "id BIGINT GENERATED ALWAYS AS IDENTITY,",
  indexedBy: () => "",
  analyze: (table) => `ANALYZE ${table}`,
  wideSum: (expr) => `SUM(CAST(${expr} AS numeric))`,
  contains: (haystack, needle) => `strpos(${haystack}, ${needle}) > 0`,
  jsonLength: (doc, key) => `json_array_length(CAST(${doc} AS json) -> '${key}')`,
  jsonTrue: (doc, key) => `COALESCE(CAST(${doc} AS json) ->> '${key}', 'false') = 'true'`,
  least: (a, b) => `LEAST(${a}, ${b})`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
};

/** rows sent to insertRows' one statement at a time (as JSON: one parameter, any number of rows) */
const INSERT_CHUNK = 5000;

/**
 * The shared SQL session on one PostgreSQL connection (a store owns its connection: temp
 * tables and transactions are per connection). Statements are translated once, and sent as
 * unnamed statements (parse, bind and execute in one round trip): a named one's cached plan
 * breaks when a temporary view it reads is made again with other column types (each cart's
 * cart_out), and its generic plan, taken after five runs, would fit one merchant's sizes to
 * all. Planned per run, a statement fits the merchant in hand.
 */
export class PgSession implements SqlSession {
  readonly dialect = postgres;
  private readonly translated = new Map<string, Translated>();
  private depth = 0;

  constructor(readonly client: Client) {}

  private query(sql: string, params: Params, rowMode?: "array") {
    let t = this.translated.get(sql);
    if (!t) this.translated.set(sql, (t = translatePlaceholders(sql)));
    const config = { text: t.text, values: orderedValues(t, params), rowMode };
    return this.client.query(config as QueryConfig);
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
  async values<T extends unknown[]>(sql: string, params: Params = []): Promise<T[]> {
    return (await this.query(sql, params, "array")).rows as T[];
  }
  async runMany(sql: string, rows: Iterable<Params>): Promise<void> {
    // one round trip per row on a prepared statement; bulk loads of many rows take COPY instead
    await this.transaction(async () => {
      for (const r of rows) await this.query(sql, r);
    });
  }

  /**
   * Rows a chunk at a time as one JSON parameter, read back into the table's own column types
   * (json_populate_recordset): one round trip per chunk, not per row.
   */
  async insertRows(
    table: string,
    columns: readonly string[],
    rows: Iterable<readonly unknown[]>,
    conflict = "",
  ): Promise<number> {
    const list = columns.join(", ");
    const sql = `INSERT INTO ${table} (${list}) SELECT ${list}
      FROM json_populate_recordset(NULL::${table}, CAST(? AS json)) WHERE true ${conflict}`;
    let written = 0;
    let chunk: Array<Record<string, unknown>> = [];
    const send = async () => {
      written += (await this.query(sql, [JSON.stringify(chunk)])).rowCount ?? 0;
      chunk = [];
    };
    await this.transaction(async () => {
      for (const r of rows) {
        chunk.push(Object.fromEntries(columns.map((c, i) => [c, r[i]])));
        if (chunk.length === INSERT_CHUNK) await send();
      }
      if (chunk.length > 0) await send();
    });
    return written;
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

  /**
   * The store's own begin/commit (a load streamed inside one transaction): a savepoint inside
   * a transaction already open (a dry run's, which is never committed).
   */
  async begin(): Promise<void> {
    await this.client.query(this.depth === 0 ? "BEGIN" : `SAVEPOINT sf_${this.depth + 1}`);
    this.depth++;
  }
  async commit(): Promise<void> {
    await this.client.query(this.depth === 1 ? "COMMIT" : `RELEASE SAVEPOINT sf_${this.depth}`);
    this.depth--;
  }
  async rollback(): Promise<void> {
    if (this.depth === 0) return;
    await this.client.query(this.depth === 1 ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT sf_${this.depth}`);
    if (this.depth > 1) await this.client.query(`RELEASE SAVEPOINT sf_${this.depth}`);
    this.depth--;
  }
}
