import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Feed } from "../config/load.js";
import { FileUnreadableError, type RecordError } from "../errors.js";
import { csvFormat } from "../formats/csv/index.js";
import { csvWriterOptions } from "../formats/csv/writer.js";
import { timed, type StageContext } from "./context.js";
import type { FileStatus } from "../state/store.js";
import { createDestination, createSource, type IncomingFile } from "../transports/index.js";
import { freeName, moveFile } from "../util/fs.js";
import { fileStamp, isoUtc } from "../util/time.js";
import { ackParties, ackTransactions, build997 } from "../formats/x12/ack.js";
import type { InterchangeSummary } from "../formats/x12/envelope.js";
import { controlText } from "../formats/x12/interchange.js";
import type { X12ReaderOptions } from "../formats/x12/reader.js";
import { loadFile, type LoadResult } from "./load.js";

export interface FileReport {
  source: string;
  kind: string;
  merchant: string;
  warehouse?: string;
  cart?: string;
  name: string;
  status: FileStatus;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  rowsStale: number;
  rowsZeroed: number;
  asOf: string | null;
  rejects: RecordError[];
  rejectsFile?: string;
  storedAt?: string;
  error?: string;
  /** for duplicates: the ledger entry that already loaded these bytes */
  duplicateOf?: string;
  /** X12: the interchanges the file held (sender and control number) */
  interchanges?: string[];
  /** time spent on this file: hash, load, archive */
  ms: number;
}

export interface FeedOwner {
  merchant: string;
  warehouse?: string;
  cart?: string;
  fullSnapshot?: boolean;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function datePath(now: number): string {
  return isoUtc(now).slice(0, 10).replace(/-/g, "/");
}

function spoolDir(ctx: StageContext, feed: Feed): string {
  return join(ctx.workDir, "spool", feed.sourceKey);
}

/** Writes `<archived>.rejects.csv`: line, field, value, reason, from the store (every reject, not just the first). */
async function writeRejects(ctx: StageContext, fileId: number, path: string): Promise<void> {
  const w = await csvFormat.createWriter(path, ["line", "field", "value", "reason"], csvWriterOptions.parse({ escapeFormulae: true }), { now: ctx.now, plannedRecords: 0 });
  for (const r of ctx.store.rejectsOf(fileId)) await w.write([String(r.line), r.field, r.value, r.reason]);
  await w.close();
}

/**
 * Takes every complete file of one feed, oldest first: claims it into the spool, loads it
 * once (same bytes from the same source are never loaded twice), archives it with its
 * rejects report, or quarantines it with the reason when it cannot be read at all.
 * Files left in the spool by an interrupted run are finished first.
 */
export async function collectFeed(ctx: StageContext, feed: Feed, owner: FeedOwner): Promise<FileReport[]> {
  const source = createSource(feed.config.source);
  const reports: FileReport[] = [];
  const spool = spoolDir(ctx, feed);

  const leftovers = ctx.dryRun ? [] : await readdir(spool).catch(() => [] as string[]);
  for (const name of leftovers.sort()) {
    const s = await stat(join(spool, name));
    ctx.log.warn({ file: name, source: feed.sourceKey }, "finishing a file an interrupted run had taken");
    reports.push(await timed(() => takeOne(ctx, feed, owner, { name, size: s.size, mtimeMs: Math.floor(s.mtimeMs) }, join(spool, name))));
  }

  let listed: IncomingFile[];
  try {
    listed = await source.list();
  } catch (e) {
    ctx.log.error({ source: source.describe(), err: (e as Error).message }, "cannot list source");
    throw e;
  }
  for (const file of listed) {
    let path: string;
    if (ctx.dryRun) path = await source.peek(file, "");
    else {
      await mkdir(spool, { recursive: true });
      path = join(spool, await freeName(spool, file.name));
      await source.take(file, path);
    }
    reports.push(await timed(() => takeOne(ctx, feed, owner, file, path)));
  }
  if (feed.config.ack && !ctx.dryRun) await deliverAcks(ctx, feed, feed.config.ack);
  return reports;
}

/**
 * Builds the acknowledgment of every interchange of a loaded file inside the load's
 * transaction: its control numbers are taken with the load, or not at all.
 */
function queueAcks(ctx: StageContext, feed: Feed, fileId: number, interchanges: InterchangeSummary[]): void {
  const rejects = [...ctx.store.rejectsOf(fileId)];
  const expected = (feed.mapping.readerOptions as X12ReaderOptions).transaction;
  for (const i of interchanges) {
    if (!i.duplicateOf && i.groups.length === 0) continue;
    const { partner } = ackParties(i);
    const control = ctx.store.reserveControlNumbers(partner, ackTransactions(i));
    const content = build997(i, expected, rejects, control, ctx.now);
    const name = feed.config.ack!.filename.replace(/\{(merchant|source|control|timestamp)\}/g, (_, k: string) =>
      k === "merchant" ? feed.sourceKey.split("/")[0] : k === "source" ? feed.sourceKey.replace(/\//g, "-") : k === "control" ? controlText(control.isa, 9) : fileStamp(ctx.now),
    );
    ctx.store.addAck({ fileId, source: feed.sourceKey, name, content, createdAt: ctx.now });
  }
}

/** Sends the feed's acknowledgments not sent yet (this run's, and any an earlier run could not deliver). */
async function deliverAcks(ctx: StageContext, feed: Feed, ack: NonNullable<Feed["config"]["ack"]>): Promise<void> {
  const pending = ctx.store.pendingAcks(feed.sourceKey);
  if (pending.length === 0) return;
  const outbox = join(ctx.workDir, "outbox", "acks", feed.sourceKey);
  await mkdir(outbox, { recursive: true });
  const destination = createDestination(ack.destination);
  for (const a of pending) {
    const local = join(outbox, a.name);
    try {
      await writeFile(local, a.content, "latin1");
      const { location } = await destination.deliver(local, a.name);
      ctx.store.ackDelivered(a.id, ctx.now, location);
      ctx.log.info({ source: feed.sourceKey, file: a.name, location }, "acknowledgment delivered");
    } catch (e) {
      ctx.store.ackFailed(a.id, (e as Error).message);
      ctx.log.error({ source: feed.sourceKey, file: a.name, err: (e as Error).message }, "acknowledgment not delivered; retried next run");
    }
  }
}

async function takeOne(ctx: StageContext, feed: Feed, owner: FeedOwner, file: IncomingFile, path: string): Promise<FileReport> {
  const { store } = ctx;
  const sha256 = await sha256Of(path);
  const entry = {
    runId: ctx.runId,
    source: feed.sourceKey,
    kind: feed.mapping.kind,
    merchant: owner.merchant,
    warehouse: owner.warehouse ?? null,
    cart: owner.cart ?? null,
    name: file.name,
    size: file.size,
    sha256,
    mtime: file.mtimeMs,
    takenAt: ctx.now,
  };
  const base: FileReport = {
    source: feed.sourceKey,
    kind: feed.mapping.kind,
    merchant: owner.merchant,
    warehouse: owner.warehouse,
    cart: owner.cart,
    name: file.name,
    status: "loaded",
    rowsRead: 0,
    rowsLoaded: 0,
    rowsRejected: 0,
    rowsStale: 0,
    rowsZeroed: 0,
    asOf: null,
    rejects: [],
    ms: 0,
  };
  const archiveDir = join(ctx.workDir, "archive", datePath(ctx.now), feed.sourceKey);

  const earlier = store.findLoaded(feed.sourceKey, sha256);
  if (earlier) {
    const id = store.insertFile(entry, "duplicate");
    const report: FileReport = { ...base, status: "duplicate", duplicateOf: `${earlier.name} (taken ${isoUtc(earlier.taken_at)})` };
    ctx.log.info({ file: file.name, source: feed.sourceKey, duplicateOf: earlier.name }, "file already loaded: not loaded again");
    if (!ctx.dryRun) {
      const dest = join(archiveDir, await freeName(archiveDir, `${file.name}.duplicate`));
      await moveFile(path, dest);
      store.setStoredAt(id, dest);
      report.storedAt = dest;
    }
    return report;
  }

  let result: LoadResult;
  let fileId = 0;
  store.begin();
  try {
    fileId = store.insertFile(entry, "loading" as FileStatus);
    result = await loadFile(store, feed, path, file.name, { fileId, ...owner, mtime: file.mtimeMs, now: ctx.now });
    const status: FileStatus = result.rowsRejected > 0 ? "loaded_with_rejects" : "loaded";
    store.finishFile(fileId, { status, ...result });
    if (result.interchanges && feed.config.ack) queueAcks(ctx, feed, fileId, result.interchanges);
    store.commit();
  } catch (e) {
    store.rollback();
    const unreadable = e instanceof FileUnreadableError;
    const reason = unreadable ? e.message : `unexpected error: ${(e as Error).stack ?? e}`;
    const id = store.insertFile(entry, "failed");
    store.finishFile(id, { status: "failed", error: reason });
    const report: FileReport = { ...base, status: "failed", error: reason };
    ctx.log.error({ file: file.name, source: feed.sourceKey, reason }, unreadable ? "file quarantined" : "file failed; left in the spool for the next run");
    if (!ctx.dryRun && unreadable) {
      const qDir = join(ctx.workDir, "quarantine", feed.sourceKey);
      await mkdir(qDir, { recursive: true });
      const name = await freeName(qDir, file.name);
      const dest = join(qDir, name);
      await moveFile(path, dest);
      await writeFile(`${dest}.error.txt`, `${file.name}: ${reason}\nsource: ${feed.sourceKey}\ntaken: ${isoUtc(ctx.now)}\nsha256: ${sha256}\n`);
      store.setStoredAt(id, dest);
      report.storedAt = dest;
    }
    return report;
  }

  const report: FileReport = {
    ...base,
    interchanges: result.interchanges?.map((i) => `${i.senderQualifier}/${i.senderId} ${i.control}${i.duplicateOf ? " (duplicate, not loaded)" : ""}`),
    status: result.rowsRejected > 0 ? "loaded_with_rejects" : "loaded",
    rowsRead: result.rowsRead,
    rowsLoaded: result.rowsLoaded,
    rowsRejected: result.rowsRejected,
    rowsStale: result.rowsStale,
    rowsZeroed: result.rowsZeroed,
    asOf: result.asOf === null ? null : isoUtc(result.asOf),
    rejects: result.rejects,
  };
  ctx.log.info({ file: file.name, source: feed.sourceKey, ...result, rejects: undefined }, "file loaded");
  if (result.rowsStale > 0) ctx.log.info({ file: file.name, source: feed.sourceKey, stale: result.rowsStale }, "stale levels kept as history (rule 14)");
  if (!ctx.dryRun) {
    await mkdir(archiveDir, { recursive: true });
    const dest = join(archiveDir, await freeName(archiveDir, file.name));
    await moveFile(path, dest);
    store.setStoredAt(fileId, dest);
    report.storedAt = dest;
    if (result.rowsRejected > 0) {
      report.rejectsFile = `${dest}.rejects.csv`;
      await writeRejects(ctx, fileId, report.rejectsFile);
    }
  }
  return report;
}

