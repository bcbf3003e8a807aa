import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import type { Feed } from "../config/load.js";
import { FileUnreadableError, type RecordError } from "../errors.js";
import { csvFormat } from "../formats/csv/index.js";
import { csvWriterOptions } from "../formats/csv/writer.js";
import { timed, type StageContext } from "./context.js";
import { deliverAcks, queueAcks } from "./acks.js";
import type { FileEntry, FileStatus } from "../state/store.js";
import { stateFault } from "../state/errors.js";
import { faultOrThrow, type ReportedError } from "../faults.js";
import {
  archivePathFor,
  createSource,
  doneFileFor,
  completeFiles,
  type ListedFile,
  type SourceTransport,
} from "../transports/index.js";
import { faultPoint } from "../util/fault.js";
import { freeName, moveFile, sha256File } from "../util/fs.js";
import { fileStamp, isoUtc } from "../util/time.js";
import { loadFile, type LoadResult } from "./load.js";

export interface FileReport {
  source: string;
  kind: string;
  merchant: string;
  warehouse?: string;
  cart?: string;
  name: string;
  /** skipped: listed, matching, but not a file stockfeed takes (a symbolic link) */
  status: FileStatus | "skipped";
  rowsRead: number;
  /** inventory: SKUs (lots summed); other kinds: records */
  rowsLoaded: number;
  /** the lines that loaded */
  linesLoaded: number;
  rowsRejected: number;
  /** lines loaded with a warning (rule 1: a bad on-hand value left empty) */
  rowsWarned: number;
  rowsStale: number;
  rowsZeroed: number;
  asOf: string | null;
  rejects: RecordError[];
  warnings: RecordError[];
  rejectsFile?: string;
  storedAt?: string;
  error?: string;
  /** the error as data (stage, kind, retriable), when there is one */
  fault?: ReportedError;
  /** for duplicates: the ledger entry that already loaded these bytes */
  duplicateOf?: string;
  /** X12: the interchanges the file held (sender and control number) */
  interchanges?: string[];
  /** what the reader noticed that is not a reject (the encoding it chose, bytes ignored at the end) */
  notes?: string[];
  /** time spent on this file: hash, load, archive */
  ms: number;
  /** of which parsing and loading it (the load's transaction) */
  loadMs?: number;
}

export interface FeedOwner {
  merchant: string;
  warehouse?: string;
  cart?: string;
  fullSnapshot?: boolean;
}

function spoolDir(ctx: StageContext, feed: Feed): string {
  return ctx.workDir.spool(feed.sourceKey);
}

/** Writes `<archived>.rejects.csv`: line, field, value, reason, from the store (every reject, not just the first). */
async function writeRejects(ctx: StageContext, fileId: number, path: string): Promise<void> {
  const header = ["line", "severity", "sku", "order_id", "field", "value", "reason"];
  const options = csvWriterOptions.parse({ escapeFormulae: true });
  const w = await csvFormat.createWriter(path, header, options, { now: ctx.now, plannedRecords: 0 });
  for await (const r of ctx.store.ledger.rejectsOf(fileId)) {
    await w.write([String(r.line), r.severity, r.sku ?? "", r.order_id ?? "", r.field, r.value, r.reason]);
  }
  await w.close();
}

/** Where a spooled file came from: written before it is moved into the spool, read when a run has to finish it. */
interface SpoolMeta {
  path: string;
  size: number;
  mtime: number;
}

const metaPath = (spool: string, name: string) => join(spool, ".meta", `${name}.json`);

async function readMeta(spool: string, name: string): Promise<SpoolMeta | undefined> {
  try {
    return JSON.parse(await readFile(metaPath(spool, name), "utf8")) as SpoolMeta;
  } catch {
    return undefined;
  }
}

async function writeMeta(spool: string, name: string, file: ListedFile): Promise<void> {
  await mkdir(join(spool, ".meta"), { recursive: true });
  await writeFile(
    metaPath(spool, name),
    JSON.stringify({ path: file.path, size: file.size, mtime: file.mtime } satisfies SpoolMeta),
  );
}

/** A file's failure into its report: the words and the data. */
function withFault(report: FileReport, f: ReportedError): FileReport {
  report.error = f.message;
  report.fault = f;
  return report;
}

/** A fault whose message names the file it happened to. */
function prefixed(f: ReportedError, path: string): ReportedError {
  return f.message.startsWith(path) ? f : { ...f, message: `${path}: ${f.message}` };
}

function blankReport(feed: Feed, owner: FeedOwner, name: string, status: FileReport["status"]): FileReport {
  return {
    source: feed.sourceKey,
    kind: feed.mapping.kind,
    merchant: owner.merchant,
    warehouse: owner.warehouse,
    cart: owner.cart,
    name,
    status,
    rowsRead: 0,
    rowsLoaded: 0,
    linesLoaded: 0,
    rowsRejected: 0,
    rowsWarned: 0,
    rowsStale: 0,
    rowsZeroed: 0,
    asOf: null,
    rejects: [],
    warnings: [],
    ms: 0,
  };
}

/**
 * Finishes what an interrupted run left in the spool: a file loaded but not archived is
 * archived, as that run would have; any other is taken now. Sidecars whose file is gone
 * (a run killed between archiving and removing them) are removed.
 */
async function finishLeftovers(ctx: StageContext, feed: Feed, owner: FeedOwner, spool: string): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  const leftovers = await readdir(spool).catch(() => [] as string[]);
  for (const meta of await readdir(join(spool, ".meta")).catch(() => [] as string[]))
    if (!leftovers.includes(meta.replace(/\.json$/, ""))) await rm(join(spool, ".meta", meta), { force: true });
  for (const name of leftovers.filter((n) => !n.startsWith(".")).sort()) {
    const path = join(spool, name);
    const s = await stat(path);
    const file = (await readMeta(spool, name)) ?? { path: name, size: s.size, mtime: Math.floor(s.mtimeMs) };
    const taken = await ctx.store.ledger.findTaken(feed.sourceKey, file.path, file.size, file.mtime);
    if (
      taken &&
      taken.stored_at === null &&
      (taken.status === "loaded" || taken.status === "loaded_with_rejects") &&
      taken.sha256 === (await sha256File(path))
    ) {
      ctx.log.warn({ file: file.path, source: feed.sourceKey }, "archiving a file an interrupted run had loaded");
      await archiveLoaded(ctx, feed, taken.id, path, taken.rows_rejected);
    } else {
      ctx.log.warn({ file: file.path, source: feed.sourceKey }, "finishing a file an interrupted run had taken");
      reports.push(await timed(() => takeOne(ctx, feed, owner, file, path)));
    }
    await rm(metaPath(spool, name), { force: true });
  }
  return reports;
}

/**
 * Takes every complete file of one feed, oldest first, exactly once: downloads it into the
 * local spool (checked against the listed size), loads it once (the ledger knows each
 * source's files by path, size and server mtime, and by sha256), archives it locally with
 * its rejects report or quarantines it, then archives, deletes or keeps it on the server
 * (afterTake). Files an interrupted run left in the spool are finished first; a file the
 * ledger already has is only archived on the server again, never loaded twice.
 */
export async function collectFeed(ctx: StageContext, feed: Feed, owner: FeedOwner): Promise<FileReport[]> {
  const config = feed.config.source;
  const source = createSource(config, { connections: ctx.connections, log: ctx.log });
  const reports: FileReport[] = [];
  const spool = spoolDir(ctx, feed);

  if (!ctx.dryRun) reports.push(...(await finishLeftovers(ctx, feed, owner, spool)));

  const { ready, waiting, unsafe, skipped } = await completeFiles(
    source,
    config,
    ctx.store.ledger.listingMemory(feed.sourceKey),
    ctx.now,
  );
  for (const u of unsafe) {
    ctx.log.error({ source: feed.sourceKey, file: JSON.stringify(u.path), reason: u.reason }, "remote name refused");
    reports.push({
      ...blankReport(feed, owner, JSON.stringify(u.path).slice(1, -1), "failed"),
      error: `remote name refused: it ${u.reason}; the file is left on the server`,
    });
  }
  for (const k of skipped) {
    ctx.log.warn({ source: feed.sourceKey, file: k.path, reason: k.reason }, "entry skipped");
    reports.push({ ...blankReport(feed, owner, k.path, "skipped"), error: `${k.reason}; left where it is` });
  }
  if (waiting.length > 0)
    ctx.log.info(
      { source: feed.sourceKey, files: waiting.map((f) => f.path) },
      config.doneFile
        ? "files without their done file: left for later"
        : "files still changing: left for a later listing",
    );

  for (const file of ready) {
    if (ctx.stopping?.()) break;
    const taken = await ctx.store.ledger.findTaken(feed.sourceKey, file.path, file.size, file.mtime);
    if (taken) {
      // afterTake keep: the ledger's path, size and mtime say it is the file loaded before
      if (ctx.dryRun || config.afterTake === "keep") continue;
      // otherwise an earlier run loaded it and stopped before archiving it on the server; but a
      // new file may carry an old one's name, size and time (minute-precision listings): only
      // the same bytes are the same file
      const same = await hasBytes(source, file, taken.sha256, spool);
      if (same === true) {
        ctx.log.warn({ file: file.path, source: feed.sourceKey }, "already loaded: only archived on the server");
        const problem = await finishOnServer(ctx, source, config, file);
        if (problem) reports.push(withFault(blankReport(feed, owner, file.path, "duplicate"), problem));
        continue;
      }
      if (same !== false) {
        reports.push(withFault(blankReport(feed, owner, file.path, "failed"), same));
        continue;
      }
    }
    let path: string;
    const name = posix.basename(file.path);
    if (ctx.dryRun) {
      const scratch = await mkdtemp(join(tmpdir(), "stockfeed-peek-"));
      path = join(scratch, name);
      await source.download(file.path, path, file.size);
    } else {
      await mkdir(spool, { recursive: true });
      const spoolName = await freeName(spool, name);
      path = join(spool, spoolName);
      const problem = await fetchInto(source, config.afterTake === "delete", file, spool, spoolName);
      if (problem) {
        ctx.log.error(
          { file: file.path, source: feed.sourceKey, err: problem.message },
          "file not taken; retried next run",
        );
        reports.push(withFault(blankReport(feed, owner, file.path, "failed"), problem));
        continue;
      }
    }
    faultPoint("collect:after-download");
    reports.push(await timed(() => takeOne(ctx, feed, owner, file, path)));
    ctx.onFile?.(reports[reports.length - 1]);
    if (!ctx.dryRun) await rm(metaPath(spool, posix.basename(path)), { force: true });
    faultPoint("collect:before-archive-on-server");
    if (ctx.dryRun) await rm(dirname(path), { recursive: true, force: true });
    else {
      const problem = await finishOnServer(ctx, source, config, file);
      if (problem) withFault(reports[reports.length - 1], problem);
    }
  }
  if (!ctx.dryRun) await rmdir(join(spool, ".meta")).catch(() => undefined); // only when empty
  if (feed.config.ack && !ctx.dryRun) await deliverAcks(ctx, feed, feed.config.ack);
  return reports;
}

/**
 * Brings a file into the spool, complete or not at all: downloaded under a dot name,
 * checked against the listed size, then renamed (a local source's file is claimed by a
 * rename). The sidecar with its server identity is written first. Returns why it failed.
 */
async function fetchInto(
  source: SourceTransport,
  claim: boolean,
  file: ListedFile,
  spool: string,
  spoolName: string,
): Promise<ReportedError | undefined> {
  const final = join(spool, spoolName);
  const part = join(spool, `.${spoolName}.part`);
  try {
    faultPoint("collect:before-fetch");
    await writeMeta(spool, spoolName, file);
    if (claim && source.claim) {
      await source.claim(file.path, final);
      return undefined;
    }
    await source.download(file.path, part, file.size);
    await rename(part, final);
    return undefined;
  } catch (e) {
    return prefixed(faultOrThrow(e, "receiving", file.path), file.path);
  } finally {
    await rm(part, { force: true });
    if (!(await stat(final).catch(() => undefined))) await rm(metaPath(spool, spoolName), { force: true });
  }
}

/** Whether the server's file has these bytes (true/false), or why it could not be read. */
async function hasBytes(
  source: SourceTransport,
  file: ListedFile,
  sha256: string,
  spool: string,
): Promise<boolean | ReportedError> {
  await mkdir(spool, { recursive: true });
  const scratch = join(spool, `.verify-${process.pid}`);
  try {
    await source.download(file.path, scratch, file.size);
    return (await sha256File(scratch)) === sha256;
  } catch (e) {
    return prefixed(faultOrThrow(e, "receiving", file.path), file.path);
  } finally {
    await rm(scratch, { force: true });
  }
}

/** afterTake on the server, the done file with it; returns the problem (the file is loaded whatever happens here). */
async function finishOnServer(
  ctx: StageContext,
  source: SourceTransport,
  config: Feed["config"]["source"],
  file: ListedFile,
): Promise<ReportedError | undefined> {
  if (config.afterTake === "keep" || (config.afterTake === "delete" && source.claim)) return undefined;
  const paths = [file.path, ...(config.doneFile ? [doneFileFor(config.doneFile, file.path)] : [])];
  try {
    for (const p of paths) {
      if (config.afterTake === "delete") await source.remove(p);
      else {
        const target = archivePathFor(config, p);
        // an archived file of the same name is kept: this one gets the run's time stamp
        await source
          .move(p, target)
          .catch(() => source.move(p, target.replace(/(\.[^./]*)?$/, `.${fileStamp(ctx.now)}$1`)));
      }
    }
    ctx.log.info(
      { file: file.path, source: source.describe(), afterTake: config.afterTake },
      "file archived on the server",
    );
    return undefined;
  } catch (e) {
    const f = faultOrThrow(e, "receiving", file.path);
    ctx.log.error({ file: file.path, source: source.describe(), err: f.message }, "file not archived on the server");
    const why = `loaded, but could not ${config.afterTake} it on the server (retried next run; it will not be loaded again)`;
    return { ...f, message: `${why}: ${f.message}` };
  }
}

async function takeOne(
  ctx: StageContext,
  feed: Feed,
  owner: FeedOwner,
  file: ListedFile,
  path: string,
): Promise<FileReport> {
  const { store } = ctx;
  const sha256 = await sha256File(path);
  const entry = {
    runId: ctx.runId,
    source: feed.sourceKey,
    kind: feed.mapping.kind,
    merchant: owner.merchant,
    warehouse: owner.warehouse ?? null,
    cart: owner.cart ?? null,
    name: file.path,
    size: file.size,
    sha256,
    mtime: file.mtime,
    takenAt: ctx.now,
  };
  const base = blankReport(feed, owner, file.path, "loaded");
  const archiveDir = ctx.workDir.archive(feed.sourceKey, ctx.now);
  faultPoint("collect:before-load");

  const earlier = await store.ledger.findLoaded(feed.sourceKey, sha256);
  if (earlier) {
    const id = await store.ledger.insertFile(entry, "duplicate");
    const report: FileReport = {
      ...base,
      status: "duplicate",
      duplicateOf: `${earlier.name} (taken ${isoUtc(earlier.taken_at)})`,
    };
    ctx.log.info(
      { file: file.path, source: feed.sourceKey, duplicateOf: earlier.name },
      "file already loaded: not loaded again",
    );
    if (!ctx.dryRun) {
      const dest = join(archiveDir, await freeName(archiveDir, `${posix.basename(path)}.duplicate`));
      await moveFile(path, dest);
      await store.ledger.setStoredAt(id, dest);
      report.storedAt = dest;
    }
    return report;
  }

  let result: LoadResult;
  let fileId = 0;
  const loadStart = performance.now();
  let loadEnd = loadStart;
  await store.begin();
  try {
    fileId = await store.ledger.insertFile(entry, "loading" as FileStatus);
    // a file without as-of times is as of its modification time, never later than now (a server
    // clock ahead of ours must not hide orders); a listing without exact times: as of now
    const asOfDefault = file.mtime > (feed.asOfBounds?.oldest ?? 0) ? Math.min(file.mtime, ctx.now) : ctx.now;
    const target = { fileId, ...owner, mtime: asOfDefault, now: ctx.now, asOfBounds: feed.asOfBounds };
    result = await loadFile(store, feed, path, file.path, target);
    const status: FileStatus = result.rowsRejected > 0 ? "loaded_with_rejects" : "loaded";
    await store.ledger.finishFile(fileId, { status, ...result });
    if (result.interchanges && feed.config.ack) await queueAcks(ctx, feed, fileId, result.interchanges);
    await store.commit();
    faultPoint("collect:after-load");
    loadEnd = performance.now();
  } catch (e) {
    await store.rollback();
    const unreadable = e instanceof FileUnreadableError;
    // anything but a known fault is a bug: it goes on to the CLI (exit 3), the file stays in the spool
    const fault = faultOrThrow(e, "processing", file.path);
    const reason = fault.message;
    if (!unreadable) {
      // a fault of the state (a full disk) or of the system is one line: the file waits in the spool for the next run
      ctx.log.error(
        { file: file.path, source: feed.sourceKey, reason },
        "file not loaded; left in the spool for the next run",
      );
      await recordFailure(store, entry, reason);
      return withFault({ ...base, status: "failed" }, fault);
    }
    const id = await store.ledger.insertFile(entry, "failed");
    await store.ledger.finishFile(id, { status: "failed", error: reason });
    const report = withFault({ ...base, status: "failed" }, fault);
    ctx.log.error({ file: file.path, source: feed.sourceKey, reason }, "file quarantined");
    if (!ctx.dryRun) {
      const qDir = ctx.workDir.quarantine(feed.sourceKey);
      await mkdir(qDir, { recursive: true });
      const name = await freeName(qDir, posix.basename(path));
      const dest = join(qDir, name);
      await moveFile(path, dest);
      await writeFile(
        `${dest}.error.txt`,
        `${file.path}: ${reason}\nsource: ${feed.sourceKey}\ntaken: ${isoUtc(ctx.now)}\nsha256: ${sha256}\n`,
      );
      await store.ledger.setStoredAt(id, dest);
      report.storedAt = dest;
    }
    return report;
  }

  const report: FileReport = {
    ...base,
    interchanges: result.interchanges?.map(
      (i) =>
        `${i.sentBy} ${i.control}` +
        (i.duplicateOf ? " (duplicate, not loaded)" : i.problem ? ` (rejected: ${i.problem.text})` : ""),
    ),
    notes: result.notes,
    status: result.rowsRejected > 0 ? "loaded_with_rejects" : "loaded",
    loadMs: Math.round(loadEnd - loadStart),
    rowsRead: result.rowsRead,
    rowsLoaded: result.rowsLoaded,
    linesLoaded: result.linesLoaded,
    rowsRejected: result.rowsRejected,
    rowsWarned: result.rowsWarned,
    rowsStale: result.rowsStale,
    rowsZeroed: result.rowsZeroed,
    asOf: result.asOf === null ? null : isoUtc(result.asOf),
    rejects: result.rejects,
    warnings: result.warnings,
  };
  ctx.log.info({ file: file.path, source: feed.sourceKey, ...result, rejects: undefined }, "file loaded");
  if (result.rowsStale > 0)
    ctx.log.info(
      { file: file.path, source: feed.sourceKey, stale: result.rowsStale },
      "stale levels kept as history (rule 14)",
    );
  if (!ctx.dryRun) {
    const archived = await archiveLoaded(ctx, feed, fileId, path, result.rowsRejected + result.rowsWarned);
    report.storedAt = archived.storedAt;
    report.rejectsFile = archived.rejectsFile;
  }
  return report;
}

/** The ledger's note of a file that could not be loaded, when the state can still take it. */
async function recordFailure(store: StageContext["store"], entry: FileEntry, reason: string): Promise<void> {
  try {
    await store.ledger.finishFile(await store.ledger.insertFile(entry, "failed"), { status: "failed", error: reason });
  } catch (e) {
    if (!stateFault(e)) throw e;
  }
}

/**
 * Moves a loaded file from the spool into the archive, its rejects report first (so a crash
 * between the two leaves the report where the file is going, and the spool still holds it).
 */
async function archiveLoaded(
  ctx: StageContext,
  feed: Feed,
  fileId: number,
  path: string,
  problems: number,
): Promise<{ storedAt: string; rejectsFile?: string }> {
  const archiveDir = ctx.workDir.archive(feed.sourceKey, ctx.now);
  await mkdir(archiveDir, { recursive: true });
  const storedAt = join(archiveDir, await freeName(archiveDir, posix.basename(path)));
  const rejectsFile = problems > 0 ? `${storedAt}.rejects.csv` : undefined;
  if (rejectsFile) {
    await rm(rejectsFile, { force: true }); // a killed run's report is written again, whole
    await writeRejects(ctx, fileId, rejectsFile);
  }
  faultPoint("collect:before-archive-local");
  await moveFile(path, storedAt);
  await ctx.store.ledger.setStoredAt(fileId, storedAt);
  ctx.log.info({ source: feed.sourceKey, file: posix.basename(path), storedAt, rejectsFile }, "file archived");
  return { storedAt, rejectsFile };
}
