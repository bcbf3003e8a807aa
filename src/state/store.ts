import { ProductStore } from "./products.js";
import Database from "better-sqlite3";
import { existsSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { levelForCartSql } from "../domain/allocation.js";
import type { RecordError } from "../errors.js";
import { StockfeedError } from "../errors.js";
import type { ListingMemory } from "../transports/incoming.js";
import { migrations } from "./migrations.js";
import { stateFault } from "./errors.js";
import { makeDirs } from "../util/fs.js";

export type FileStatus = "loaded" | "loaded_with_rejects" | "failed" | "duplicate";

export interface FileEntry {
  runId: number;
  source: string;
  kind: string;
  merchant: string;
  warehouse?: string | null;
  cart?: string | null;
  name: string;
  size: number;
  sha256: string;
  mtime: number;
  takenAt: number;
}

export interface StagedInventory {
  sku: string;
  available: number;
  onHand: number | null;
  /** the line's as-of, or the file's time where it carries none */
  asOf: number;
  /** the as-of the line carries, null when it carries none (rule 13's snapshot time) */
  writtenAsOf: number | null;
  line: number;
}

/** A line of a file that did not load (or loaded with a warning), as the rejects report lists it. */
export interface StoredReject {
  line: number;
  field: string;
  value: string;
  reason: string;
  sku: string | null;
  order_id: string | null;
  severity: "reject" | "warning";
}

/** Lines held back by rule 3 (another line of their SKU was rejected) or by the sum's bound. */
export interface HeldLines {
  lines: number;
  skus: number;
  /** the first ones, for the report */
  examples: Array<{ line: number; sku: string; reason: string }>;
}

/** What a file's load counted, as the ledger keeps it. */
export interface FileCounts {
  rowsRead?: number;
  rowsLoaded?: number;
  rowsRejected?: number;
  rowsWarned?: number;
  rowsStale?: number;
  rowsZeroed?: number;
  applied?: number;
}

const NO_COUNTS: Required<FileCounts> = {
  rowsRead: 0,
  rowsLoaded: 0,
  rowsRejected: 0,
  rowsWarned: 0,
  rowsStale: 0,
  rowsZeroed: 0,
  applied: 0,
};

export interface StagedOrder {
  orderId: string;
  line: number;
  sku: string;
  quantity: number;
  orderedAt: number;
  status: string;
  fileLine: number;
  /** this file's lines of the order replace all its earlier ones (X12 BEG01 05) */
  replace?: boolean;
}

export interface CartComputation {
  merchant: string;
  cart: string;
  /** null: all warehouses */
  warehouse: string | null;
  alias: string | null;
  minimumLevel: number;
  buffer: number;
  percent: number;
  maximum: number | null;
}

export interface CartRow {
  code: string;
  sku: string;
  available: number;
  asOf: number;
  ordered: number;
  quantity: number;
}

export interface LastDelivered {
  id: number;
  synced_at: number;
  file_name: string;
  inventory_file_id: number | null;
  settings_hash: string | null;
  rows: number;
  units: number;
  skipped: number;
  /** the sync whose cart_lines carry this file's lines */
  lines_set: number;
  /** dataStamp() when its lines were computed */
  state_at: number | null;
  /** products left out by reason, JSON */
  skipped_by: string | null;
  /** kept send-all files: the sha256 of the bytes rendered */
  sha256: string | null;
}

export interface DiffRow {
  code: string;
  before: number | null;
  after: number | null;
}

export type SkipReason = "no-alias" | "duplicate-alias" | "inventory-disabled" | "unsendable";

/** SQLite page cache per connection (KiB), main and temp each */
export const CACHE_KB = 32 * 1024;
/**
 * An alias cart's lines, materialized in file order (code, then SKU); code '' where a product
 * has no alias code. A SKU cart needs no copy: its lines are read straight off the levels.
 */
const CART_ALIASED = `CREATE TEMP TABLE cart_aliased (code TEXT NOT NULL, sku TEXT NOT NULL, available INTEGER NOT NULL, as_of INTEGER NOT NULL,
  ordered INTEGER NOT NULL, quantity INTEGER NOT NULL, skip TEXT, PRIMARY KEY (code, sku)) WITHOUT ROWID`;
/** cart lines handed to the render loop per query */
const CART_PAGE = 4096;

export const NO_SKIPS: Readonly<Record<SkipReason, number>> = {
  "no-alias": 0,
  "duplicate-alias": 0,
  "inventory-disabled": 0,
  unsendable: 0,
};

/**
 * stockfeed's state, behind one interface: stages call these methods, never SQL.
 * Writes happen inside explicit transactions the caller opens with `transaction()` or
 * `begin()/commit()` (async loads that stream a file inside one transaction).
 */
export class Store {
  private constructor(readonly db: Database.Database) {}

  /**
   * Opens (or creates) the state. A fault (a full disk, a file that is not a database) is a
   * one-line state error, and a state file this call created is not left behind half made.
   */
  static open(path: string): Store {
    const created = path !== ":memory:" && !existsSync(path);
    let db: Database.Database | undefined;
    try {
      if (path !== ":memory:") makeDirs(dirname(path));
      db = new Database(path);
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      const store = new Store(db);
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

  close(): void {
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
    this.db.exec(`
      CREATE TEMP TABLE stage_inventory (sku TEXT NOT NULL, available INTEGER NOT NULL, on_hand INTEGER, as_of INTEGER NOT NULL,
        written_as_of INTEGER, line INTEGER NOT NULL);
      -- SKUs named by a rejected line of the file being loaded, with the first such line
      -- (why: 'rejected', or 'sum' where its lines add up beyond the bound)
      CREATE TEMP TABLE stage_seen (sku TEXT PRIMARY KEY, line INTEGER NOT NULL, why TEXT NOT NULL DEFAULT 'rejected') WITHOUT ROWID;
      CREATE TEMP TABLE stage_orders (order_id TEXT, line INTEGER, sku TEXT, quantity INTEGER, ordered_at INTEGER, status TEXT,
        file_line INTEGER, replace INTEGER NOT NULL DEFAULT 0);
      CREATE TEMP TABLE cart_orders (sku TEXT PRIMARY KEY, quantity INTEGER NOT NULL) WITHOUT ROWID;
      -- lines the cart's format could not carry (found while writing the file)
      CREATE TEMP TABLE cart_unsendable (code TEXT NOT NULL, sku TEXT NOT NULL, detail TEXT, PRIMARY KEY (code, sku)) WITHOUT ROWID;
    `);
  }

  // ---- transactions -------------------------------------------------------

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
  begin(): void {
    this.db.exec("BEGIN IMMEDIATE");
  }
  commit(): void {
    this.db.exec("COMMIT");
  }
  rollback(): void {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }

  // ---- runs ---------------------------------------------------------------

  startRun(now: number): number {
    return Number(
      this.db.prepare("INSERT INTO runs (started_at, status) VALUES (?, 'running')").run(now).lastInsertRowid,
    );
  }
  finishRun(id: number, now: number, status: string, summary: unknown): void {
    this.db
      .prepare("UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?")
      .run(now, status, JSON.stringify(summary), id);
  }

  // ---- the file ledger ----------------------------------------------------

  findLoaded(source: string, sha256: string): { id: number; name: string; taken_at: number } | undefined {
    return this.db
      .prepare(
        "SELECT id, name, taken_at FROM files WHERE source = ? AND sha256 = ? AND status IN ('loaded','loaded_with_rejects')",
      )
      .get(source, sha256) as { id: number; name: string; taken_at: number } | undefined;
  }

  /** The ledger's entry for this exact file of this source (path, size, server mtime), if it was taken before. */
  findTaken(
    source: string,
    name: string,
    size: number,
    mtime: number,
  ): { id: number; status: string; sha256: string; stored_at: string | null; rows_rejected: number } | undefined {
    return this.db
      .prepare(
        "SELECT id, status, sha256, stored_at, rows_rejected FROM files WHERE source = ? AND name = ? AND size = ? AND mtime = ? AND status <> 'loading' ORDER BY id LIMIT 1",
      )
      .get(source, name, size, mtime) as ReturnType<Store["findTaken"]>;
  }

  /** What earlier listings of a source showed (see transports/incoming.ts). */
  listingMemory(source: string): ListingMemory {
    return {
      recall: () =>
        new Map(
          (
            this.db
              .prepare("SELECT path, size, mtime, seen_at FROM source_listing WHERE source = ?")
              .all(source) as Array<{ path: string; size: number; mtime: number; seen_at: number }>
          ).map((r) => [r.path, { size: r.size, mtime: r.mtime, seenAt: r.seen_at }]),
        ),
      remember: (files, now) =>
        this.transaction(() => {
          this.db
            .prepare("DELETE FROM source_listing WHERE source = ? AND path NOT IN (SELECT value FROM json_each(?))")
            .run(source, JSON.stringify(files.map((f) => f.path)));
          const put = this.db.prepare(
            `INSERT INTO source_listing (source, path, size, mtime, seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (source, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, seen_at = excluded.seen_at
             WHERE source_listing.size <> excluded.size OR source_listing.mtime <> excluded.mtime`,
          );
          for (const f of files) put.run(source, f.path, f.size, f.mtime, now);
        }),
    };
  }

  insertFile(f: FileEntry, status: FileStatus | "loading"): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO files (run_id, source, kind, merchant, warehouse, cart, name, size, sha256, mtime, taken_at, status)
           VALUES (@runId, @source, @kind, @merchant, @warehouse, @cart, @name, @size, @sha256, @mtime, @takenAt, @status)`,
        )
        .run({ warehouse: null, cart: null, ...f, status }).lastInsertRowid,
    );
  }

  finishFile(
    id: number,
    r: FileCounts & { status: FileStatus; asOf?: number | null; error?: string | null; storedAt?: string | null },
  ): void {
    this.db
      .prepare(
        `UPDATE files SET status = @status, rows_read = @rowsRead, rows_loaded = @rowsLoaded, rows_rejected = @rowsRejected,
           rows_warned = @rowsWarned, rows_stale = @rowsStale, rows_zeroed = @rowsZeroed, applied = @applied, as_of = @asOf,
           error = @error, stored_at = COALESCE(@storedAt, stored_at) WHERE id = @id`,
      )
      .run({ ...NO_COUNTS, asOf: null, error: null, storedAt: null, ...r, id });
  }

  setStoredAt(id: number, path: string): void {
    this.db.prepare("UPDATE files SET stored_at = ? WHERE id = ?").run(path, id);
  }

  addRejects(fileId: number, errors: readonly RecordError[]): void {
    const insert = this.db.prepare(
      "INSERT INTO rejects (file_id, line, field, value, reason, sku, order_id, severity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const e of errors) {
      insert.run(fileId, e.line, e.field, e.value, e.reason, e.sku ?? null, e.orderId ?? null, e.severity ?? "reject");
    }
  }

  /** A file's rejects and warnings in line order. */
  rejectsOf(fileId: number): IterableIterator<StoredReject> {
    return this.db
      .prepare(
        "SELECT line, field, value, reason, sku, order_id, severity FROM rejects WHERE file_id = ? ORDER BY line, rowid",
      )
      .iterate(fileId) as IterableIterator<StoredReject>;
  }

  // ---- inventory (rules 2, 13, 14) ---------------------------------------

  clearInventoryStage(): void {
    this.db.exec("DELETE FROM stage_inventory; DELETE FROM stage_seen;");
  }

  stageInventory(rows: readonly StagedInventory[]): void {
    const insert = this.db.prepare(
      "INSERT INTO stage_inventory (sku, available, on_hand, as_of, written_as_of, line) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const r of rows) insert.run(r.sku, r.available, r.onHand, r.asOf, r.writtenAsOf, r.line);
  }

  /** a SKU named by a rejected line: it keeps its level, and a full snapshot must not zero it */
  stageSeenSku(sku: string, line: number): void {
    this.db.prepare("INSERT OR IGNORE INTO stage_seen (sku, line) VALUES (?, ?)").run(sku, line);
  }

  /**
   * Rule 3 with lots: the staged lines of a SKU that also has a rejected line, and of a SKU
   * whose lots add up beyond `maxSum`, are not applied (a partial or overflowing sum would be
   * a wrong level): each becomes a reject naming why, and the SKU keeps its previous level.
   */
  holdIncompleteSkus(fileId: number, skuField: string, maxSum: number): HeldLines {
    const db = this.db;
    // TOTAL is a float and never overflows: it finds the sums to refuse before any exact SUM runs
    db.prepare(
      `INSERT OR IGNORE INTO stage_seen (sku, line, why)
       SELECT sku, MIN(line), 'sum' FROM stage_inventory GROUP BY sku
       HAVING ABS(TOTAL(available)) > @max OR ABS(TOTAL(on_hand)) > @max`,
    ).run({ max: maxSum });
    const reason = `CASE s.why WHEN 'sum' THEN 'not applied: the lines of SKU ' || i.sku || ' add up beyond the limit of '
        || @limit || ' units; the SKU keeps its previous level (rule 3)'
      ELSE 'not applied: line ' || s.line || ' of SKU ' || i.sku || ' was rejected, and a sum of the other lots '
        || 'would be a wrong level; the SKU keeps its previous level (rule 3)' END`;
    const heldRows = `SELECT i.line, i.sku, i.available, ${reason} AS reason
      FROM stage_inventory i JOIN stage_seen s ON s.sku = i.sku`;
    const args = { limit: maxSum.toLocaleString("en-US") };
    const examples = db.prepare(`${heldRows} ORDER BY i.line LIMIT 20`).all(args) as Array<
      HeldLines["examples"][number]
    >;
    if (examples.length === 0) return { lines: 0, skus: 0, examples: [] };
    const lines = db
      .prepare(
        `INSERT INTO rejects (file_id, line, field, value, reason, sku, severity)
         SELECT @fileId, line, @field, available, reason, sku, 'reject' FROM (${heldRows}) ORDER BY line`,
      )
      .run({ ...args, fileId, field: skuField }).changes;
    const skus = (db.prepare(`SELECT COUNT(DISTINCT sku) AS n FROM (${heldRows})`).get(args) as { n: number }).n;
    db.exec("DELETE FROM stage_inventory WHERE sku IN (SELECT sku FROM stage_seen)");
    return { lines, skus, examples: examples.map(({ line, sku, reason }) => ({ line, sku, reason })) };
  }

  /** Lines staged (after holdIncompleteSkus: the lines that load). */
  stagedInventoryLines(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM stage_inventory").get() as { n: number }).n;
  }

  /**
   * Applies the staged lines of one warehouse file. Lines of one SKU are summed (rule 2,
   * lots), with the oldest as-of among them. A level older than the current one is kept as
   * history and counted stale (rule 14). A full snapshot (rule 13) zeroes the SKUs it does not
   * list, as of the snapshot's time: the newest as-of written on its lines (the file's time
   * when none carries one); a level newer than that is kept.
   */
  applyInventoryStage(p: {
    fileId: number;
    merchant: string;
    warehouse: string;
    full: boolean;
    defaultAsOf: number;
    now: number;
  }): {
    loaded: number;
    stale: number;
    zeroed: number;
    applied: number;
    asOf: number;
  } {
    const db = this.db;
    db.exec("DROP TABLE IF EXISTS temp.stage_sum");
    db.exec(`CREATE TEMP TABLE stage_sum AS
      SELECT sku, SUM(available) AS available,
             CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END AS on_hand,
             MIN(as_of) AS as_of, MIN(line) AS line
      FROM stage_inventory GROUP BY sku`);
    const loaded = (db.prepare("SELECT COUNT(*) AS n FROM stage_sum").get() as { n: number }).n;
    const times = db
      .prepare("SELECT MIN(as_of) AS oldest, MAX(written_as_of) AS newest FROM stage_inventory")
      .get() as {
      oldest: number | null;
      newest: number | null;
    };
    const fileAsOf = times.oldest ?? p.defaultAsOf;
    const snapshotAsOf = times.newest ?? p.defaultAsOf;
    const args = { merchant: p.merchant, warehouse: p.warehouse, fileId: p.fileId, now: p.now, snapshotAsOf };
    const stale = db
      .prepare(
        `INSERT INTO inventory_history (file_id, merchant, warehouse, sku, available, on_hand, as_of, line, reason)
         SELECT @fileId, @merchant, @warehouse, s.sku, s.available, s.on_hand, s.as_of, s.line, 'stale'
         FROM stage_sum s JOIN inventory i ON i.merchant = @merchant AND i.warehouse = @warehouse AND i.sku = s.sku
         WHERE s.as_of < i.as_of`,
      )
      .run(args).changes;
    const upserted = db
      .prepare(
        `INSERT INTO inventory (merchant, warehouse, sku, available, on_hand, as_of, loaded_at, file_id, line)
         SELECT @merchant, @warehouse, sku, available, on_hand, as_of, @now, @fileId, line FROM stage_sum WHERE true
         ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET
           available = excluded.available, on_hand = excluded.on_hand, as_of = excluded.as_of,
           loaded_at = excluded.loaded_at, file_id = excluded.file_id, line = excluded.line
         WHERE excluded.as_of >= inventory.as_of`,
      )
      .run(args).changes;
    db.prepare("INSERT OR IGNORE INTO products (merchant, sku) SELECT @merchant, sku FROM stage_sum").run({
      merchant: p.merchant,
    });
    let zeroed = 0;
    if (p.full) {
      zeroed = db
        .prepare(
          `UPDATE inventory SET available = 0, on_hand = CASE WHEN on_hand IS NULL THEN NULL ELSE 0 END,
             as_of = @snapshotAsOf, loaded_at = @now, file_id = @fileId, line = NULL
           WHERE merchant = @merchant AND warehouse = @warehouse AND as_of < @snapshotAsOf
             AND sku NOT IN (SELECT sku FROM stage_sum) AND sku NOT IN (SELECT sku FROM stage_seen)`,
        )
        .run(args).changes;
    }
    db.exec("DROP TABLE temp.stage_sum");
    return { loaded, stale, zeroed, applied: upserted + zeroed, asOf: fileAsOf };
  }

  // ---- orders (rule 5: one order line counts once) -----------------------

  clearOrderStage(): void {
    this.db.exec("DELETE FROM stage_orders");
  }

  stageOrders(rows: readonly StagedOrder[]): void {
    const insert = this.db.prepare(
      "INSERT INTO stage_orders (order_id, line, sku, quantity, ordered_at, status, file_line, replace) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const r of rows)
      insert.run(r.orderId, r.line, r.sku, r.quantity, r.orderedAt, r.status, r.fileLine, r.replace ? 1 : 0);
  }

  /**
   * Upserts the staged order lines: a line already known is updated (a later cancel wins),
   * never added twice. An order whose lines replace its earlier ones (a replace PO) has its
   * earlier lines that are not repeated cancelled: they are no longer ordered (rule 5).
   */
  applyOrderStage(p: { fileId: number; merchant: string; cart: string }): void {
    this.db
      .prepare(
        `UPDATE orders SET status = 'cancelled', file_id = @fileId, times_seen = times_seen + 1
         WHERE merchant = @merchant AND cart = @cart AND status <> 'cancelled'
           AND order_id IN (SELECT order_id FROM stage_orders WHERE replace = 1)
           AND NOT EXISTS (SELECT 1 FROM stage_orders s WHERE s.order_id = orders.order_id AND s.line = orders.line)`,
      )
      .run(p);
    this.db
      .prepare(
        `INSERT INTO orders (merchant, cart, order_id, line, sku, quantity, ordered_at, status, file_id, file_line)
         SELECT @merchant, @cart, order_id, line, sku, quantity, ordered_at, status, @fileId, file_line FROM stage_orders WHERE true ORDER BY rowid
         ON CONFLICT (merchant, cart, order_id, line) DO UPDATE SET
           sku = excluded.sku, quantity = excluded.quantity, ordered_at = excluded.ordered_at, status = excluded.status,
           file_id = excluded.file_id, file_line = excluded.file_line, times_seen = orders.times_seen + 1`,
      )
      .run(p);
  }

  // ---- catalogs and aliases: each file is the full list ------------------

  clearCatalog(merchant: string, cart: string): void {
    this.db.prepare("DELETE FROM catalog WHERE merchant = ? AND cart = ?").run(merchant, cart);
  }

  /** `product`: the product's canonical fields as JSON (product sync sends them to a WMS) */
  addCatalog(p: {
    fileId: number;
    merchant: string;
    cart: string;
    rows: Iterable<{ sku: string; inventoryEnabled: boolean; product?: string }>;
  }): void {
    const insert = this.db.prepare(
      `INSERT INTO catalog (merchant, cart, sku, inventory_enabled, file_id, product) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (merchant, cart, sku) DO UPDATE SET inventory_enabled = excluded.inventory_enabled, product = excluded.product`,
    );
    for (const r of p.rows)
      insert.run(p.merchant, p.cart, r.sku, r.inventoryEnabled ? 1 : 0, p.fileId, r.product ?? null);
  }

  /** Product sync's queries. */
  get products(): ProductStore {
    return (this.productStore ??= new ProductStore(this.db));
  }

  private productStore: ProductStore | undefined;

  clearAliases(merchant: string): void {
    this.db.prepare("DELETE FROM aliases WHERE merchant = ?").run(merchant);
  }

  addAliases(p: {
    fileId: number;
    merchant: string;
    rows: Iterable<{ sku: string; aliasType: string; code: string }>;
  }): void {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO aliases (merchant, sku, alias_type, code, file_id) VALUES (?, ?, ?, ?, ?)",
    );
    for (const r of p.rows) insert.run(p.merchant, r.sku, r.aliasType, r.code, p.fileId);
  }

  /** Every SKU of the alias list is a product of the merchant (after the list's last addAliases). */
  aliasProducts(merchant: string): void {
    this.db
      .prepare(
        "INSERT OR IGNORE INTO products (merchant, sku) SELECT DISTINCT merchant, sku FROM aliases WHERE merchant = ?",
      )
      .run(merchant);
  }

  // ---- cart syncs (rules 4-9, 15) -----------------------------------------

  /** The newest inventory file that changed a level in the cart's warehouses (rule 4's news). */
  newestInventoryFile(merchant: string, warehouse: string | null): number | null {
    const r = this.db
      .prepare(
        `SELECT MAX(id) AS id FROM files WHERE merchant = @merchant AND kind = 'inventory' AND applied > 0
           AND status IN ('loaded','loaded_with_rejects') AND (@warehouse IS NULL OR warehouse = @warehouse)`,
      )
      .get({ merchant, warehouse }) as { id: number | null };
    return r.id;
  }

  hasInventory(merchant: string, warehouse: string | null): boolean {
    return !!this.db
      .prepare(
        "SELECT 1 FROM inventory WHERE merchant = @merchant AND (@warehouse IS NULL OR warehouse = @warehouse) LIMIT 1",
      )
      .get({ merchant, warehouse });
  }

  lastDelivered(merchant: string, cart: string): LastDelivered | undefined {
    return this.db
      .prepare(
        `SELECT s.id, s.synced_at, s.file_name, s.inventory_file_id, s.settings_hash, s.rows, s.units, s.skipped, s.skipped_by,
           s.lines_set, s.state_at, s.sha256 FROM cart_state c
         JOIN cart_syncs s ON s.id = c.last_sync_id WHERE c.merchant = ? AND c.cart = ?`,
      )
      .get(merchant, cart) as LastDelivered | undefined;
  }

  /** The merchant's newest file (any kind, any outcome): cart lines computed at the same stamp are the same lines. */
  dataStamp(merchant: string): number {
    return (
      (this.db.prepare("SELECT MAX(id) AS id FROM files WHERE merchant = ?").get(merchant) as { id: number | null })
        .id ?? 0
    );
  }

  /** The next {seq} for the cart's file name; persisted so it never repeats. */
  nextSeq(merchant: string, cart: string): number {
    return this.transaction(() => {
      this.db
        .prepare("INSERT INTO cart_state (merchant, cart, seq) VALUES (?, ?, 0) ON CONFLICT DO NOTHING")
        .run(merchant, cart);
      this.db.prepare("UPDATE cart_state SET seq = seq + 1 WHERE merchant = ? AND cart = ?").run(merchant, cart);
      return (
        this.db.prepare("SELECT seq FROM cart_state WHERE merchant = ? AND cart = ?").get(merchant, cart) as {
          seq: number;
        }
      ).seq;
    });
  }

  /**
   * Rule 6 (the cart's warehouses summed, oldest as-of) and rule 5 (orders of every cart
   * after that as-of, once each, cancelled excluded; an order's SKU may be an alias code of
   * one product), per merchant and warehouse choice: temp tables kept for the run's other
   * carts of the same choice, made again once the merchant's dataStamp moves (every change to
   * inventory, orders, products or aliases comes with a files row).
   */
  private baseTables = new Map<string, { table: string; stamp: number }>();

  private cartBase(c: CartComputation): string {
    const db = this.db;
    const key = `${c.merchant}\u0000${c.warehouse ?? ""}`;
    const stamp = this.dataStamp(c.merchant);
    const known = this.baseTables.get(key);
    if (known?.stamp === stamp) return known.table;
    const table = known?.table ?? `cart_base_${this.baseTables.size}`;
    db.exec(`DROP TABLE IF EXISTS temp.${table};
      CREATE TEMP TABLE ${table} (sku TEXT PRIMARY KEY, available INTEGER NOT NULL, as_of INTEGER NOT NULL, ordered INTEGER NOT NULL) WITHOUT ROWID;
      DELETE FROM cart_orders;`);
    db.prepare(
      `INSERT INTO ${table} (sku, available, as_of, ordered)
       SELECT sku, SUM(available), MIN(as_of), 0 FROM inventory
       WHERE merchant = @merchant AND (@warehouse IS NULL OR warehouse = @warehouse) GROUP BY sku`,
    ).run(c);
    const oldest = (db.prepare(`SELECT MIN(as_of) AS t FROM ${table}`).get() as { t: number | null }).t;
    if (oldest !== null) {
      db.prepare(
        `INSERT INTO cart_orders (sku, quantity)
         SELECT r.sku, SUM(r.quantity) FROM (
           SELECT CASE WHEN EXISTS (SELECT 1 FROM products p WHERE p.merchant = o.merchant AND p.sku = o.sku) THEN o.sku
                       ELSE (SELECT MIN(a.sku) FROM aliases a WHERE a.merchant = o.merchant AND a.code = o.sku HAVING COUNT(DISTINCT a.sku) = 1)
                  END AS sku, o.quantity, o.ordered_at
           FROM orders o WHERE o.merchant = @merchant AND o.ordered_at > @oldest AND o.status <> 'cancelled'
         ) r JOIN ${table} l ON l.sku = r.sku
         WHERE r.ordered_at > l.as_of GROUP BY r.sku`,
      ).run({ merchant: c.merchant, oldest });
      // only the SKUs with orders after their as-of change
      db.exec(`UPDATE ${table} SET available = ${table}.available - o.quantity, ordered = o.quantity FROM cart_orders o WHERE o.sku = ${table}.sku;
        DELETE FROM cart_orders;`);
    }
    this.baseTables.set(key, { table, stamp });
    return table;
  }

  /**
   * Makes temp.cart_out every line of the cart's next file, in file order, with why a product
   * is left out (skip): the merchant's levels after orders for the cart's warehouses
   * (cartBase), then rule 9 (alias codes), the catalog's inventory flag, and rules 8/15 (the
   * domain's levelForCart, as SQL). cart_out is a view: over the levels themselves for a cart
   * by SKU (no copy of a million lines), over a table built here for a cart by alias code.
   */
  computeCart(c: CartComputation): { rows: number; units: number; skipped: Record<SkipReason, number> } {
    const db = this.db;
    // dropped and made again: a DELETE of a million lines would touch every page
    db.exec("DROP VIEW IF EXISTS temp.cart_out; DROP TABLE IF EXISTS temp.cart_aliased; DELETE FROM cart_unsendable;");
    const base = this.cartBase(c);
    // only values of the config go into the SQL text; they are checked integers and quoted strings
    const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
    const level = levelForCartSql("l.available", c);
    // the catalog is looked up only for carts that have one
    const hasCatalog = !!db
      .prepare("SELECT 1 FROM catalog WHERE merchant = ? AND cart = ? LIMIT 1")
      .get(c.merchant, c.cart);
    const catalogOff = (code: string) =>
      hasCatalog
        ? `WHEN (SELECT inventory_enabled FROM catalog k WHERE k.merchant = ${q(c.merchant)} AND k.cart = ${q(c.cart)} AND k.sku = ${code}) = 0 THEN 'inventory-disabled'`
        : "";
    // lines the writer could not carry are looked up only once there are some (markUnsendable)
    const unsendable = (code: string, sku: string) => (withUnsendable: boolean) =>
      withUnsendable
        ? `WHEN EXISTS (SELECT 1 FROM cart_unsendable u WHERE u.code = ${code} AND u.sku = ${sku}) THEN 'unsendable'`
        : "";
    if (c.alias === null) {
      const unsent = unsendable("l.sku", "l.sku");
      this.cartOutSql = (u) => `CREATE TEMP VIEW cart_out AS
        SELECT l.sku AS code, l.sku AS sku, l.available AS available, l.as_of AS as_of, l.ordered AS ordered, ${level} AS quantity,
               CASE ${catalogOff("l.sku")} ${unsent(u)} WHEN false THEN NULL END AS skip
        FROM ${base} l`;
    } else {
      db.exec(CART_ALIASED);
      db.prepare(
        `INSERT INTO cart_aliased (code, sku, available, as_of, ordered, quantity, skip)
         SELECT COALESCE(a.code, ''), l.sku, l.available, l.as_of, l.ordered, ${level},
                CASE WHEN a.code IS NULL THEN 'no-alias'
                     WHEN EXISTS (SELECT 1 FROM aliases d WHERE d.merchant = @merchant AND d.alias_type = @alias AND d.code = a.code AND d.sku <> a.sku) THEN 'duplicate-alias'
                     ${catalogOff("a.code")}
                END
         FROM ${base} l LEFT JOIN aliases a ON a.merchant = @merchant AND a.sku = l.sku AND a.alias_type = @alias`,
      ).run({ merchant: c.merchant, alias: c.alias });
      const unsent = unsendable("a.code", "a.sku");
      this.cartOutSql = (u) => `CREATE TEMP VIEW cart_out AS
        SELECT a.code, a.sku, a.available, a.as_of, a.ordered, a.quantity, CASE WHEN a.skip IS NOT NULL THEN a.skip ${unsent(u)} END AS skip
        FROM cart_aliased a`;
    }
    db.exec(this.cartOutSql(false));
    // one pass: lines and units sent, products left out by reason
    const totals = { rows: 0, units: 0 };
    const skipped: Record<SkipReason, number> = { ...NO_SKIPS };
    for (const r of db
      .prepare("SELECT skip, COUNT(*) AS n, SUM(quantity) AS units FROM cart_out GROUP BY skip")
      .all() as Array<{ skip: SkipReason | null; n: number; units: number }>) {
      if (r.skip === null) Object.assign(totals, { rows: r.n, units: r.units });
      else skipped[r.skip] = r.n;
    }
    return { ...totals, skipped };
  }

  /** The computed lines of the cart's file, in code order (read-only while iterating). */
  cartRows(): IterableIterator<CartRow> {
    return this.db
      .prepare(
        "SELECT code, sku, available, as_of AS asOf, ordered, quantity FROM cart_out WHERE skip IS NULL ORDER BY code",
      )
      .iterate() as IterableIterator<CartRow>;
  }

  /**
   * The same lines for the render loop, a page at a time (better-sqlite3 hands over a page of
   * arrays faster than it steps a row at a time): [code, sku, quantity, available, asOf], with
   * available and asOf only when `want` asks for them (null otherwise).
   */
  *cartRowsRaw(want: {
    available: boolean;
    asOf: boolean;
  }): Generator<[string, string, number, number | null, number | null]> {
    // codes are unique among the lines sent (one code on two SKUs is a duplicate alias, left out)
    const page = this.db
      .prepare(
        `SELECT code, NULLIF(sku, code), quantity, ${want.available ? "available" : "NULL"}, ${want.asOf ? "as_of" : "NULL"} FROM cart_out
         WHERE skip IS NULL AND code > ? ORDER BY code LIMIT ${CART_PAGE}`,
      )
      .raw();
    let after = "";
    for (;;) {
      const rows = page.all(after) as Array<[string, string | null, number, number | null, number | null]>;
      for (const r of rows) r[1] ??= r[0];
      yield* rows as Array<[string, string, number, number | null, number | null]>;
      if (rows.length < CART_PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  /** Up to `perReason` of the products left out for each reason (the first in file order). */
  skippedRows(perReason: number): Array<{ sku: string; code: string | null; skip: SkipReason }> {
    const some = this.db.prepare("SELECT sku, NULLIF(code, '') AS code, skip FROM cart_out WHERE skip = ? LIMIT ?");
    return (Object.keys(NO_SKIPS) as SkipReason[]).flatMap(
      (reason) => some.all(reason, perReason) as Array<{ sku: string; code: string | null; skip: SkipReason }>,
    );
  }

  /**
   * What the computed cart lines change against the last file delivered to the cart: codes
   * added, removed, and levels changed (every code of a delivered file carries its sync id).
   */
  diffWithLastDelivery(
    merchant: string,
    cart: string,
  ): { added: DiffRow[]; removed: DiffRow[]; changed: DiffRow[]; unchanged: number } {
    const last =
      (
        this.db
          .prepare("SELECT last_sync_id AS id FROM cart_state WHERE merchant = ? AND cart = ?")
          .get(merchant, cart) as { id: number | null } | undefined
      )?.id ?? -1;
    const p = { merchant, cart, last };
    const rows = this.db
      .prepare(
        `SELECT n.code, s.quantity AS before, n.quantity AS after FROM cart_out n
           LEFT JOIN sku_sync s ON s.merchant = @merchant AND s.cart = @cart AND s.code = n.code AND s.sync_id = @last
         WHERE n.skip IS NULL AND (s.quantity IS NULL OR s.quantity <> n.quantity)
         UNION ALL
         SELECT s.code, s.quantity, NULL FROM sku_sync s
         WHERE s.merchant = @merchant AND s.cart = @cart AND s.sync_id = @last
           AND NOT EXISTS (SELECT 1 FROM cart_out n WHERE n.skip IS NULL AND n.code = s.code)
         ORDER BY 1`,
      )
      .all(p) as DiffRow[];
    const same = this.db
      .prepare(
        `SELECT COUNT(*) AS n FROM cart_out n JOIN sku_sync s ON s.merchant = @merchant AND s.cart = @cart AND s.code = n.code AND s.sync_id = @last
         WHERE n.skip IS NULL AND s.quantity = n.quantity`,
      )
      .get(p) as { n: number };
    return {
      added: rows.filter((r) => r.before === null),
      removed: rows.filter((r) => r.after === null),
      changed: rows.filter((r) => r.before !== null && r.after !== null),
      unchanged: same.n,
    };
  }

  /**
   * Records a rendered cart file waiting in the outbox (status pending) and, for View Product
   * Sync, every code it carries (from temp.cart_out; a code's time updates even when its level
   * did not): they count as sent once markDelivered marks the file delivered (see cart_lines).
   */
  recordRendered(s: {
    runId: number;
    merchant: string;
    cart: string;
    syncedAt: number;
    reason: string;
    fileName: string;
    outboxPath: string;
    rows: number;
    units: number;
    skipped: Record<SkipReason, number>;
    bytes: number;
    /** kept send-all files: the bytes' sha256, checked before the copy is sent again */
    sha256?: string | null;
    inventoryFileId: number | null;
    settingsHash: string;
    stateAt: number;
    /** a file that repeats the lines of this line set: its lines are not written again */
    linesOf?: number;
  }): number {
    const { linesOf, skipped, ...rest } = s;
    const row = {
      sha256: null,
      ...rest,
      skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
      skippedBy: JSON.stringify(skipped),
    };
    return this.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, outbox_path, rows, units, skipped,
               bytes, sha256, inventory_file_id, settings_hash, state_at, skipped_by)
             VALUES (@runId, @merchant, @cart, @syncedAt, 'pending', @reason, @fileName, @outboxPath, @rows, @units, @skipped,
               @bytes, @sha256, @inventoryFileId, @settingsHash, @stateAt, @skippedBy)`,
          )
          .run(row).lastInsertRowid,
      );
      this.db.prepare("UPDATE cart_syncs SET lines_set = ? WHERE id = ?").run(linesOf ?? id, id);
      if (linesOf !== undefined) return id;
      // the code's newest line becomes its previous one only if a file with that line set was
      // delivered (one file per cart is pending at a time, this one: older ones were delivered or lost)
      const delivered =
        "cart_lines.sync_id IN (SELECT lines_set FROM cart_syncs WHERE merchant = @merchant AND cart = @cart AND status = 'delivered')";
      this.db
        .prepare(
          `INSERT INTO cart_lines (merchant, cart, code, sku, sync_id, quantity)
           SELECT @merchant, @cart, code, NULLIF(sku, code), @id, quantity FROM cart_out WHERE skip IS NULL AND true
           ON CONFLICT (merchant, cart, code) DO UPDATE SET
             prev_sku = CASE WHEN ${delivered} THEN sku ELSE prev_sku END,
             prev_sync_id = CASE WHEN ${delivered} THEN sync_id ELSE prev_sync_id END,
             prev_quantity = CASE WHEN ${delivered} THEN quantity ELSE prev_quantity END,
             sku = excluded.sku, sync_id = excluded.sync_id, quantity = excluded.quantity`,
        )
        .run({ merchant: s.merchant, cart: s.cart, id });
      this.db
        .prepare(
          `INSERT INTO sync_skipped (sync_id, sku, code, reason, detail)
           SELECT ?, o.sku, o.code, o.skip, u.detail FROM cart_out o LEFT JOIN cart_unsendable u ON u.code = o.code AND u.sku = o.sku
           WHERE o.skip = 'unsendable'`,
        )
        .run(id);
      return id;
    });
  }

  /** Cart files rendered but not delivered yet, oldest first. */
  pendingDeliveries(
    merchant: string,
    cart: string,
  ): Array<{ id: number; file_name: string; outbox_path: string; synced_at: number }> {
    return this.db
      .prepare(
        "SELECT id, file_name, outbox_path, synced_at FROM cart_syncs WHERE status = 'pending' AND merchant = ? AND cart = ? ORDER BY id",
      )
      .all(merchant, cart) as ReturnType<Store["pendingDeliveries"]>;
  }

  /** A delivery attempt failed: the file stays pending for the next run. */
  deliveryFailed(id: number, error: string): void {
    this.db.prepare("UPDATE cart_syncs SET attempts = attempts + 1, error = ? WHERE id = ?").run(error, id);
  }

  /** The outbox file of a pending sync is gone: that sync is failed, so the cart's next run makes a new one. */
  deliveryLost(id: number, error: string): void {
    this.db
      .prepare("UPDATE cart_syncs SET status = 'failed', error = ? WHERE id = ? AND status = 'pending'")
      .run(error, id);
  }

  /** The file is published: its lines now count as sent (View Product Sync), and it is the cart's last sync. */
  markDelivered(id: number, d: { fileName: string; location: string; at: number }): void {
    this.transaction(() => {
      const s = this.db.prepare("SELECT merchant, cart FROM cart_syncs WHERE id = ? AND status = 'pending'").get(id) as
        { merchant: string; cart: string } | undefined;
      if (!s) return;
      this.db
        .prepare(
          "UPDATE cart_syncs SET status = 'delivered', file_name = ?, location = ?, delivered_at = ?, attempts = attempts + 1, error = NULL WHERE id = ?",
        )
        .run(d.fileName, d.location, d.at, id);
      this.db
        .prepare(
          "INSERT INTO cart_state (merchant, cart, last_sync_id) VALUES (?, ?, ?) ON CONFLICT (merchant, cart) DO UPDATE SET last_sync_id = excluded.last_sync_id",
        )
        .run(s.merchant, s.cart, id);
    });
  }

  recordFailedSync(s: {
    runId: number;
    merchant: string;
    cart: string;
    syncedAt: number;
    reason: string;
    fileName: string | null;
    error: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO cart_syncs (run_id, merchant, cart, synced_at, status, reason, file_name, error)
         VALUES (@runId, @merchant, @cart, @syncedAt, 'failed', @reason, @fileName, @error)`,
      )
      .run(s);
  }

  /** Lines a writer could not carry (a delimiter in a code...): left out of the file and of what it recorded as sent. */
  markUnsendable(lines: Array<{ code: string; sku: string; reason?: string }>): void {
    const mark = this.db.prepare("INSERT OR IGNORE INTO cart_unsendable (code, sku, detail) VALUES (?, ?, ?)");
    this.transaction(() => {
      for (const l of lines) mark.run(l.code, l.sku, l.reason ?? null);
      this.db.exec(`DROP VIEW temp.cart_out; ${this.cartOutSql(true)}`);
    });
  }

  /** computeCart's definition of temp.cart_out, with or without the lookup of unsendable lines */
  private cartOutSql: (withUnsendable: boolean) => string = () => {
    throw new Error("computeCart first");
  };

  // ---- X12 ----------------------------------------------------------------

  /**
   * Reserves the control numbers of one interchange for a partner: the next ISA13 and GS06,
   * and `transactions` ST02 numbers. Committed at once (or with the caller's transaction):
   * a number handed out is never handed out again, even after a crash.
   */
  /** The next control numbers for one interchange to the partner: its ISA13, `groups` GS06s and `transactions` ST02s. */
  reserveControlNumbers(partner: string, transactions: number, groups = 1): { isa: number; gs: number; st: number } {
    const run = () => {
      const last = (this.db.prepare("SELECT isa, gs, st FROM x12_control WHERE partner = ?").get(partner) as
        { isa: number; gs: number; st: number } | undefined) ?? { isa: 0, gs: 0, st: 0 };
      const next = { isa: last.isa + 1, gs: last.gs + 1, st: last.st + 1 };
      if (next.isa > 999_999_999 || last.gs + groups > 999_999_999 || last.st + transactions > 999_999_999)
        throw new StockfeedError(`X12 control numbers for ${partner} are exhausted`, "sending", "state_failed");
      this.db
        .prepare(
          "INSERT INTO x12_control (partner, isa, gs, st) VALUES (@partner, @isa, @gs, @st) ON CONFLICT (partner) DO UPDATE SET isa = excluded.isa, gs = excluded.gs, st = excluded.st",
        )
        .run({ partner, isa: next.isa, gs: last.gs + groups, st: last.st + transactions });
      return next;
    };
    return this.db.inTransaction ? run() : this.transaction(run);
  }

  /** Where an interchange (sender, receiver, control number) was received and loaded before. */
  findReceivedInterchange(sender: string, receiver: string, control: string): string | undefined {
    const r = this.db
      .prepare(
        "SELECT f.name, f.taken_at FROM x12_received x JOIN files f ON f.id = x.file_id WHERE x.sender = ? AND x.receiver = ? AND x.control = ?",
      )
      .get(sender, receiver, control) as { name: string; taken_at: number } | undefined;
    return r ? `in ${r.name}, taken ${new Date(r.taken_at).toISOString()}` : undefined;
  }

  recordReceivedInterchange(sender: string, receiver: string, control: string, fileId: number): void {
    this.db
      .prepare("INSERT OR IGNORE INTO x12_received (sender, receiver, control, file_id) VALUES (?, ?, ?, ?)")
      .run(sender, receiver, control, fileId);
  }

  addAck(a: { fileId: number; source: string; name: string; content: string; createdAt: number }): void {
    this.db
      .prepare(
        "INSERT INTO acks (file_id, source, name, content, created_at) VALUES (@fileId, @source, @name, @content, @createdAt)",
      )
      .run(a);
  }

  pendingAcks(source: string): Array<{ id: number; name: string; content: string }> {
    return this.db
      .prepare("SELECT id, name, content FROM acks WHERE source = ? AND delivered_at IS NULL ORDER BY id")
      .all(source) as Array<{ id: number; name: string; content: string }>;
  }

  ackDelivered(id: number, at: number, location: string): void {
    this.db.prepare("UPDATE acks SET delivered_at = ?, location = ?, error = NULL WHERE id = ?").run(at, location, id);
  }

  ackFailed(id: number, error: string): void {
    this.db.prepare("UPDATE acks SET error = ? WHERE id = ?").run(error, id);
  }
}
