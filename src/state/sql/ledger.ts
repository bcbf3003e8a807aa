import type { RecordError } from "../../errors.js";
import type { ListingMemory } from "../../transports/incoming.js";
import type { FileCounts, FileEntry, FileStatus, StoredReject } from "../types.js";
import type { SqlSession } from "./session.js";

const NO_COUNTS: Required<FileCounts> = {
  rowsRead: 0,
  rowsLoaded: 0,
  rowsRejected: 0,
  rowsWarned: 0,
  rowsStale: 0,
  rowsZeroed: 0,
  applied: 0,
};

/** a file's rejects are read back this many at a time */
const REJECT_PAGE = 1000;

/**
 * Runs, the file ledger (every file taken, once), what listings showed, and each file's
 * rejects: one implementation for every store, on the shared SQL session.
 */
export class Ledger {
  constructor(private readonly sql: SqlSession) {}

  // ---- runs ---------------------------------------------------------------

  async startRun(now: number): Promise<number> {
    const row = await this.sql.get<{ id: number }>(
      "INSERT INTO runs (started_at, status) VALUES (?, 'running') RETURNING id",
      [now],
    );
    return row!.id;
  }
  async finishRun(id: number, now: number, status: string, summary: unknown): Promise<void> {
    await this.sql.run("UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?", [
      now,
      status,
      JSON.stringify(summary),
      id,
    ]);
  }

  // ---- the file ledger ----------------------------------------------------

  async findLoaded(
    source: string,
    sha256: string,
  ): Promise<{ id: number; name: string; taken_at: number } | undefined> {
    return this.sql.get(
      `SELECT id, name, taken_at FROM files WHERE source = ? AND sha256 = ?
         AND status IN ('loaded','loaded_with_rejects')`,
      [source, sha256],
    );
  }

  /** The ledger's entry for this exact file of this source (path, size, server mtime), if it was taken before. */
  async findTaken(
    source: string,
    name: string,
    size: number,
    mtime: number,
  ): Promise<
    { id: number; status: string; sha256: string; stored_at: string | null; rows_rejected: number } | undefined
  > {
    return this.sql.get(
      `SELECT id, status, sha256, stored_at, rows_rejected FROM files WHERE source = ? AND name = ? AND size = ?
         AND mtime = ? AND status <> 'loading' ORDER BY id LIMIT 1`,
      [source, name, size, mtime],
    );
  }

  /** What earlier listings of a source showed (see transports/incoming.ts). */
  listingMemory(source: string): ListingMemory {
    return {
      recall: async () => {
        const rows = await this.sql.all<{ path: string; size: number; mtime: number; seen_at: number }>(
          "SELECT path, size, mtime, seen_at FROM source_listing WHERE source = ?",
          [source],
        );
        return new Map(rows.map((r) => [r.path, { size: r.size, mtime: r.mtime, seenAt: r.seen_at }]));
      },
      remember: async (files, now) =>
        this.sql.transaction(async () => {
          await this.sql.run(
            `DELETE FROM source_listing WHERE source = ? AND path NOT IN (${this.sql.dialect.jsonTexts("?")})`,
            [source, JSON.stringify(files.map((f) => f.path))],
          );
          await this.sql.runMany(
            `INSERT INTO source_listing (source, path, size, mtime, seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (source, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
                seen_at = excluded.seen_at
             WHERE source_listing.size <> excluded.size OR source_listing.mtime <> excluded.mtime`,
            files.map((f) => [source, f.path, f.size, f.mtime, now]),
          );
        }),
    };
  }

  async insertFile(f: FileEntry, status: FileStatus | "loading"): Promise<number> {
    const row = await this.sql.get<{ id: number }>(
      `INSERT INTO files (run_id, source, kind, merchant, warehouse, cart, name, size, sha256, mtime, taken_at,
         status)
       VALUES (@runId, @source, @kind, @merchant, @warehouse, @cart, @name, @size, @sha256, @mtime, @takenAt,
          @status)
       RETURNING id`,
      { warehouse: null, cart: null, ...f, status },
    );
    return row!.id;
  }

  async finishFile(
    id: number,
    r: FileCounts & { status: FileStatus; asOf?: number | null; error?: string | null; storedAt?: string | null },
  ): Promise<void> {
    await this.sql.run(
      `UPDATE files SET status = @status, rows_read = @rowsRead, rows_loaded = @rowsLoaded,
         rows_rejected = @rowsRejected,
         rows_warned = @rowsWarned, rows_stale = @rowsStale, rows_zeroed = @rowsZeroed, applied = @applied,
            as_of = @asOf,
         error = @error, stored_at = COALESCE(@storedAt, stored_at) WHERE id = @id`,
      { ...NO_COUNTS, asOf: null, error: null, storedAt: null, ...r, id },
    );
  }

  async setStoredAt(id: number, path: string): Promise<void> {
    await this.sql.run("UPDATE files SET stored_at = ? WHERE id = ?", [path, id]);
  }

  async addRejects(fileId: number, errors: readonly RecordError[]): Promise<void> {
    await this.sql.runMany(
      `INSERT INTO rejects (file_id, line, field, value, reason, sku, order_id, severity)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      errors.map((e) => [
        fileId,
        e.line,
        e.field,
        e.value,
        e.reason,
        e.sku ?? null,
        e.orderId ?? null,
        e.severity ?? "reject",
      ]),
    );
  }

  /** A file's rejects and warnings in line order (then the order they were written), a page at a time. */
  async *rejectsOf(fileId: number): AsyncGenerator<StoredReject> {
    const order = this.sql.dialect.insertOrder;
    let after = { line: -1, n: -1 };
    for (;;) {
      const page = await this.sql.all<StoredReject & { n: number }>(
        `SELECT line, field, value, reason, sku, order_id, severity, ${order} AS n FROM rejects
          WHERE file_id = ? AND (line, ${order}) > (?, ?) ORDER BY line, ${order} LIMIT ${REJECT_PAGE}`,
        [fileId, after.line, after.n],
      );
      for (const { n: _n, ...r } of page) yield r;
      if (page.length < REJECT_PAGE) return;
      const last = page[page.length - 1];
      after = { line: last.line, n: last.n };
    }
  }
}
