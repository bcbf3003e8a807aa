/**
 * The one SQL session the shared slices talk to (see CONVENTIONS: the SQL layer shared
 * across drivers, the driver layer thin). Statements are written once with `?` placeholders
 * (positional) or `@name` (named, from an object); each driver turns them into its own.
 * Where the two dialects differ, a statement asks `dialect` for the piece it needs.
 * Every method is async so that a server (PostgreSQL) fits; the SQLite driver answers at once.
 */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** the column that orders a table's rows as they were inserted (SQLite's rowid, an id in PostgreSQL) */
  readonly insertOrder: string;
  /** rows of one text column `value` from a JSON array of strings bound at `param` */
  jsonTexts(param: string): string;
}

export interface SqlSession {
  readonly dialect: Dialect;
  /** one statement; `changes` is the rows it wrote */
  run(sql: string, params?: Params): Promise<{ changes: number }>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
  /** one statement run once per parameter set (bulk writes), all or none; as fast as the driver allows */
  runMany(sql: string, rows: Iterable<Params>): Promise<void>;
  /**
   * `fn` in a transaction: a savepoint when one is open already (the caller's begin() or an
   * outer transaction), so that a slice's write is atomic either way.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}
