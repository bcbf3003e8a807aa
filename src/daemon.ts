import { ConfigError } from "./errors.js";
import { renameSync, rmSync, unwatchFile, watchFile, writeFileSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { Cron } from "croner";
import { loadConfig, type LoadedConfig } from "./config/load.js";
import type { Logger } from "./log.js";
import { plannedJobs, runOptionsOf } from "./jobs.js";
import { runOnce, type RunOptions, type RunReport } from "./pipeline.js";
import { processAlive, StateLock } from "./state/lock.js";

/** What the daemon writes beside the state every heartbeat, for `stockfeed status`. */
export interface Heartbeat {
  pid: number;
  host: string;
  config: string;
  since: number;
  at: number;
  /** the daemon writes one at least this often: older means it is not alive */
  everyMs: number;
  /** the job running now, and what waits */
  running: string | null;
  queued: string[];
  /** ticks skipped because the same job was still running or waiting */
  skippedTicks: Record<string, number>;
}

export const heartbeatPath = (statePath: string) => `${statePath}.heartbeat`;

export function readHeartbeat(statePath: string): Heartbeat | undefined {
  try {
    return JSON.parse(readFileSync(heartbeatPath(statePath), "utf8")) as Heartbeat;
  } catch {
    return undefined;
  }
}

/** Whether the daemon that wrote this heartbeat is alive (same host: its process exists; and it beat recently). */
export function heartbeatAlive(h: Heartbeat, now = Date.now()): boolean {
  if (now - h.at > 3 * h.everyMs) return false;
  return h.host !== hostname() || processAlive(h.pid);
}

export interface DaemonOptions {
  configPath: string;
  log: Logger;
  heartbeatMs?: number;
  /** after SIGTERM, how long the job in hand may take to finish before the process is ended (exit 1) */
  stopTimeoutMs?: number;
  /** how often the config file is checked for changes */
  watchMs?: number;
  /** each finished job (tests, progress) */
  onJob?: (key: string, report: RunReport) => void;
}

type Job = { key: string; options: RunOptions };
type Planned = { job: Job; seconds: number } | { job: Job; schedule: string; timeZone: string };

/** The jobs a config defines (jobs.ts), as the daemon runs them: on the whole config, one at a time. */
function jobsOf(config: LoadedConfig): Planned[] {
  return plannedJobs(config).map((p) => ({ ...p, job: { key: p.job.key, options: runOptionsOf(p.job) } }));
}

/** A digest of the files' bytes (a file that cannot be read counts as such). */
function fingerprintOf(files: string[]): string {
  const hash = createHash("sha256");
  for (const f of files) {
    hash.update(f).update("\0");
    try {
      hash.update(readFileSync(f));
    } catch (e) {
      hash.update(`unreadable: ${(e as NodeJS.ErrnoException).code}`);
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * `stockfeed daemon`: polls every feed on its own interval and syncs every cart on its own
 * cron schedule (time zone per cart), for months. Jobs run one at a time against the state
 * (SQLite has one writer; a cart's render is one transaction), each as a recorded run; a
 * tick whose job is still running or waiting is skipped and counted. One process owns the
 * state (lock beside it). SIGTERM/SIGINT: no new work, the file or upload in hand is
 * finished, exit 0. SIGHUP or a changed config file: reload; a bad config is refused and
 * the running one stays.
 */
export class Daemon {
  private config: LoadedConfig;
  private readonly lock: StateLock;
  private timers: Array<NodeJS.Timeout> = [];
  private crons: Cron[] = [];
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  private drained: Promise<void> = Promise.resolve();
  private stoppingFlag = false;
  private readonly since = Date.now();
  private readonly skipped: Record<string, number> = {};
  private heartbeatTimer?: NodeJS.Timeout;
  private readonly heartbeatMs: number;
  /** the bytes of the files the config was last read from (or tried): a reload of the same is skipped */
  private fingerprint: string;

  constructor(private readonly options: DaemonOptions) {
    this.config = loadConfig(options.configPath);
    if (this.config.state.kind !== "sqlite")
      throw new ConfigError(
        `${this.config.file}: the daemon is the single-process mode of a SQLite state; ` +
          "a PostgreSQL state is run by `stockfeed run` (from cron or a scheduler, one merchant's runs never overlap)",
      );
    this.fingerprint = fingerprintOf(this.config.readFrom);
    this.lock = StateLock.acquire(this.config.statePath, "stockfeed daemon");
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
  }

  get log(): Logger {
    return this.options.log;
  }

  start(): void {
    this.schedule(this.config);
    this.beat();
    this.heartbeatTimer = setInterval(() => this.beat(), this.heartbeatMs);
    watchFile(this.options.configPath, { interval: this.options.watchMs ?? 2000 }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs) this.reload("the config file changed");
    });
    this.log.info({ config: this.options.configPath, pid: process.pid }, "daemon started");
  }

  /**
   * Validates the config again; a good one replaces every schedule, a bad one is refused. The
   * jobs waiting stay in the queue (those whose feed or cart the new config no longer has are
   * dropped, and logged). Unchanged files are not reloaded: a SIGHUP and the watcher seeing the
   * same edit make one reload.
   */
  reload(why: string): boolean {
    if (this.stoppingFlag) return false;
    const fingerprint = fingerprintOf(this.config.readFrom);
    if (fingerprint === this.fingerprint) {
      this.log.info({ why }, "config unchanged since it was last read: not reloaded");
      return false;
    }
    this.fingerprint = fingerprint;
    const next = this.validated(why);
    if (!next) return false;
    const waiting = this.queue.splice(0);
    this.unschedule();
    this.config = next;
    const jobs = new Map(jobsOf(next).map((j) => [j.job.key, j.job]));
    const kept = waiting.filter((j) => jobs.has(j.key));
    this.queue.push(...kept.map((j) => jobs.get(j.key)!));
    this.schedule(next);
    const dropped = waiting.filter((j) => !jobs.has(j.key)).map((j) => j.key);
    this.log.info({ why, kept: kept.map((j) => j.key), dropped }, "config reloaded");
    return true;
  }

  /** The config file read again, or undefined (logged) when it cannot replace the running one. */
  private validated(why: string): LoadedConfig | undefined {
    let next: LoadedConfig;
    try {
      next = loadConfig(this.options.configPath);
    } catch (e) {
      this.log.error({ why, err: (e as Error).message }, "new config rejected: the running one stays");
      return undefined;
    }
    if (next.statePath !== this.config.statePath) {
      this.log.error(
        { why, state: next.statePath },
        "new config rejected: it names another state database (restart the daemon for that)",
      );
      return undefined;
    }
    return next;
  }

  private schedule(config: LoadedConfig): void {
    for (const planned of jobsOf(config)) {
      const { job } = planned;
      if ("seconds" in planned) {
        // every feed is polled at once, unless its poll already waits or runs
        if (!this.has(job.key)) this.enqueue(job);
        this.timers.push(setInterval(() => this.enqueue(job), planned.seconds * 1000));
      } else {
        const { schedule, timeZone } = planned;
        this.crons.push(new Cron(schedule, { timezone: timeZone, protect: true }, () => this.enqueue(job)));
      }
    }
  }

  private unschedule(): void {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.crons) c.stop();
    this.timers = [];
    this.crons = [];
  }

  private has(key: string): boolean {
    return this.running?.key === key || this.queue.some((j) => j.key === key);
  }

  private enqueue(job: Job): void {
    if (this.stoppingFlag) return;
    if (this.has(job.key)) {
      this.skipped[job.key] = (this.skipped[job.key] ?? 0) + 1;
      this.log.warn(
        { job: job.key, state: this.running?.key === job.key ? "running" : "waiting" },
        "tick skipped: the previous one is still running or waiting",
      );
      return;
    }
    this.queue.push(job);
    if (this.running)
      this.beat(); // status shows what waits
    else this.drained = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stoppingFlag) {
      const job = this.queue.shift()!;
      this.running = job;
      this.beat();
      try {
        const report = await runOnce(this.config, { ...job.options, log: this.log, stopping: () => this.stoppingFlag });
        this.log.info(
          {
            job: job.key,
            run: report.runId,
            files: report.files.length,
            carts: report.carts.map((c) => `${c.cart}:${c.action}`),
            errors: report.errors,
          },
          "job done",
        );
        this.options.onJob?.(job.key, report);
      } catch (e) {
        this.log.error({ job: job.key, err: (e as Error).stack ?? String(e) }, "job failed");
      } finally {
        this.running = null;
        this.beat();
      }
    }
  }

  private beat(): void {
    const h: Heartbeat = {
      pid: process.pid,
      host: hostname(),
      config: this.options.configPath,
      since: this.since,
      at: Date.now(),
      everyMs: this.heartbeatMs,
      running: this.running?.key ?? null,
      queued: this.queue.map((j) => j.key),
      skippedTicks: this.skipped,
    };
    const path = heartbeatPath(this.config.statePath);
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(h));
      renameSync(`${path}.tmp`, path);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, "heartbeat not written");
    }
  }

  /**
   * Stops taking work and lets the job in hand finish (it stops between files and carts), then
   * releases the state and resolves true. When it has not finished within the stop timeout,
   * resolves false with the heartbeat and the lock still in place: the caller ends the process
   * at once (`cutShort`), as a kill would, and the crash safety makes the next run finish the job.
   */
  async stop(why: string): Promise<boolean> {
    if (this.stoppingFlag) return this.drained.then(() => true);
    this.stoppingFlag = true;
    this.log.info({ why, running: this.running?.key }, "stopping: no new work; finishing what is in hand");
    this.unschedule();
    this.queue.length = 0;
    unwatchFile(this.options.configPath);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.drained.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), this.options.stopTimeoutMs ?? 60_000);
      }),
    ]);
    clearTimeout(timer);
    if (!finished) return false;
    clearInterval(this.heartbeatTimer);
    rmSync(heartbeatPath(this.config.statePath), { force: true });
    this.lock.release();
    this.log.info({}, "stopped");
    return true;
  }

  /**
   * For the caller to run just before it ends the process when `stop` resolved false: the job
   * still running is abandoned where it stands (the next run finishes it, as after a kill), the
   * heartbeat and the lock are removed. Synchronous, so nothing of the job runs after it.
   */
  cutShort(): void {
    clearInterval(this.heartbeatTimer);
    this.log.warn(
      { running: this.running?.key, stopTimeoutMs: this.options.stopTimeoutMs ?? 60_000 },
      "stop timeout passed: exiting with the job in hand cut short (its next run finishes it)",
    );
    rmSync(heartbeatPath(this.config.statePath), { force: true });
    this.lock.release();
  }
}
