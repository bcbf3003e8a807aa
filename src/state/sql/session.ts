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
  /** the type of a text column of a temporary table (compared byte by byte, like the schema's) */
  readonly text: string;
  /** a temporary table or view `name`, qualified (to drop it) */
  temp(name: string): string;
  /** a table of a few known keys: SQLite keeps it in its key's order, without a rowid */
  readonly keyed: string;
  /** a column that numbers a temporary table's rows as inserted, where insertOrder is not built in */
  readonly rowNumber: string;
  /** the hint to read `table` through `index` (SQLite's planner misses it); PostgreSQL plans on its own */
  indexedBy(index: string): string;
  /**
   * statements that give the planner a temporary table's statistics once it is filled
   * (PostgreSQL's autovacuum never analyzes temporary tables; SQLite plans without them)
   */
  analyze(table: string): string;
  /** a sum that never overflows (to find sums beyond a bound before an exact one runs) */
  wideSum(expr: string): string;
  /** whether text `haystack` contains text `needle` (no pattern characters: a search for `%` finds `%`) */
  contains(haystack: string, needle: string): string;
  /** the length of the array at `key` of a JSON text column (NULL when it has none) */
  jsonLength(doc: string, key: string): string;
  /** whether the value at `key` of a JSON text column is true */
  jsonTrue(doc: string, key: string): string;
  /** the smaller (least) and larger (greatest) of two values */
  least(a: string, b: string): string;
  greatest(a: string, b: string): string;
}

export interface SqlSession {
  readonly dialect: Dialect;
  /** one statement; `changes` is the rows it wrote */
  run(sql: string, params?: Params): Promise<{ changes: number }>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
  /** rows as arrays of their columns' values, in the select's order */
  values<T extends unknown[]>(sql: string, params?: Params): Promise<T[]>;
  /** one statement run once per parameter set (bulk writes), all or none; as fast as the driver allows */
  runMany(sql: string, rows: Iterable<Params>): Promise<void>;
  /**
   * Rows into `columns` of `table`, many to a statement where the driver gains by it, all or
   * none; `conflict` an ON CONFLICT clause. Rows of one call must not update one key twice
   * (PostgreSQL refuses that in one statement). Returns the rows written.
   */
  insertRows(
    table: string,
    columns: readonly string[],
    rows: Iterable<readonly unknown[]>,
    conflict?: string,
  ): Promise<number>;
  /** statements without parameters, run as one script (temporary tables, DDL) */
  exec(script: string): Promise<void>;
  /**
   * `fn` in a transaction: a savepoint when one is open already (the caller's begin() or an
   * outer transaction), so that a slice's write is atomic either way.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}
