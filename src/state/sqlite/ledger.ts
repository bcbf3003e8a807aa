import type { RecordError } from "../../errors.js";
import type { ListingMemory } from "../../transports/incoming.js";
import type { FileCounts, FileEntry, FileStatus, StoredReject } from "../types.js";
import { Slice } from "./slice.js";

const NO_COUNTS: Required<FileCounts> = {
  rowsRead: 0,
  rowsLoaded: 0,
  rowsRejected: 0,
  rowsWarned: 0,
  rowsStale: 0,
  rowsZeroed: 0,
  applied: 0,
};

/** Runs, the file ledger (every file taken, once), what listings showed, and each file's rejects. */
export class SqliteLedger extends Slice {
  // ---- runs ---------------------------------------------------------------

  async startRun(now: number): Promise<number> {
    return Number(
      this.db.prepare("INSERT INTO runs (started_at, status) VALUES (?, 'running')").run(now).lastInsertRowid,
    );
  }
  async finishRun(id: number, now: number, status: string, summary: unknown): Promise<void> {
    this.db
      .prepare("UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?")
      .run(now, status, JSON.stringify(summary), id);
  }

  // ---- the file ledger ----------------------------------------------------

  async findLoaded(
    source: string,
    sha256: string,
  ): Promise<{ id: number; name: string; taken_at: number } | undefined> {
    return this.db
      .prepare(
        `SELECT id, name, taken_at FROM files WHERE source = ? AND sha256 = ?
           AND status IN ('loaded','loaded_with_rejects')`,
      )
      .get(source, sha256) as { id: number; name: string; taken_at: number } | undefined;
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
    return this.db
      .prepare(
        `SELECT id, status, sha256, stored_at, rows_rejected FROM files WHERE source = ? AND name = ? AND size = ?
           AND mtime = ? AND status <> 'loading' ORDER BY id LIMIT 1`,
      )
      .get(source, name, size, mtime) as Awaited<ReturnType<SqliteLedger["findTaken"]>>;
  }

  /** What earlier listings of a source showed (see transports/incoming.ts). */
  listingMemory(source: string): ListingMemory {
    return {
      recall: async () =>
        new Map(
          (
            this.db
              .prepare("SELECT path, size, mtime, seen_at FROM source_listing WHERE source = ?")
              .all(source) as Array<{ path: string; size: number; mtime: number; seen_at: number }>
          ).map((r) => [r.path, { size: r.size, mtime: r.mtime, seenAt: r.seen_at }]),
        ),
      remember: async (files, now) =>
        this.transaction(() => {
          this.db
            .prepare("DELETE FROM source_listing WHERE source = ? AND path NOT IN (SELECT value FROM json_each(?))")
            .run(source, JSON.stringify(files.map((f) => f.path)));
          const put = this.db.prepare(
            `INSERT INTO source_listing (source, path, size, mtime, seen_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (source, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
                seen_at = excluded.seen_at
             WHERE source_listing.size <> excluded.size OR source_listing.mtime <> excluded.mtime`,
          );
          for (const f of files) put.run(source, f.path, f.size, f.mtime, now);
        }),
    };
  }

  async insertFile(f: FileEntry, status: FileStatus | "loading"): Promise<number> {
    return Number(
      this.db
        .prepare(
          `INSERT INTO files (run_id, source, kind, merchant, warehouse, cart, name, size, sha256, mtime, taken_at,
             status)
           VALUES (@runId, @source, @kind, @merchant, @warehouse, @cart, @name, @size, @sha256, @mtime, @takenAt,
              @status)`,
        )
        .run({ warehouse: null, cart: null, ...f, status }).lastInsertRowid,
    );
  }

  async finishFile(
    id: number,
    r: FileCounts & { status: FileStatus; asOf?: number | null; error?: string | null; storedAt?: string | null },
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE files SET status = @status, rows_read = @rowsRead, rows_loaded = @rowsLoaded,
           rows_rejected = @rowsRejected,
           rows_warned = @rowsWarned, rows_stale = @rowsStale, rows_zeroed = @rowsZeroed, applied = @applied,
              as_of = @asOf,
           error = @error, stored_at = COALESCE(@storedAt, stored_at) WHERE id = @id`,
      )
      .run({ ...NO_COUNTS, asOf: null, error: null, storedAt: null, ...r, id });
  }

  async setStoredAt(id: number, path: string): Promise<void> {
    this.db.prepare("UPDATE files SET stored_at = ? WHERE id = ?").run(path, id);
  }

  async addRejects(fileId: number, errors: readonly RecordError[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO rejects (file_id, line, field, value, reason, sku, order_id, severity) 
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of errors) {
      insert.run(fileId, e.line, e.field, e.value, e.reason, e.sku ?? null, e.orderId ?? null, e.severity ?? "reject");
    }
  }

  /** A file's rejects and warnings in line order. */
  async *rejectsOf(fileId: number): AsyncGenerator<StoredReject> {
    yield* this.db
      .prepare(
        `SELECT line, field, value, reason, sku, order_id, severity FROM rejects WHERE file_id = ? ORDER BY line,
           rowid`,
      )
      .iterate(fileId) as IterableIterator<StoredReject>;
  }
}
