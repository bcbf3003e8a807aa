/**
 * `stockfeed worker`: any number of processes, on any number of machines, run one config's
 * jobs (feed polls, cart syncs) from a queue in the PostgreSQL state, kept by pg-boss 10 (the
 * line that runs on Node 20). Every worker plans the same ticks (a poll's time slot, a cart's
 * cron time) and enqueues each under an id made from the job and the tick: the queue keeps the
 * first, so a tick is one job however many workers run. The queue is `short` per job (one
 * waiting at a time, like the daemon's skipped tick). A job runs on its merchant alone, under
 * that merchant's advisory lock: a worker that finds it taken hands the job back (retried a
 * few seconds later), so one merchant's jobs never overlap and other merchants' go on. A job
 * whose worker died is failed by pg-boss once it has been active `expireSeconds` and taken
 * again; crash safety does the rest (a run killed anywhere is finished by the next one).
 * Workers share one work folder: one whose folder is not the deployment's refuses to start.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { Cron } from "croner";
import PgBoss from "pg-boss";
import { loadConfig, type LoadedConfig } from "./config/load.js";
import { ConfigError } from "./errors.js";
import { merchantConfig, plannedJobs, runOptionsOf, type JobSpec } from "./jobs.js";
import type { Logger } from "./log.js";
import { runOnce } from "./pipeline.js";
import { connectPg } from "./state/postgres/connect.js";
import { MerchantLocks } from "./state/postgres/locks.js";
import { checkSharedFolder } from "./state/postgres/shared-folder.js";
import { pgTarget } from "./state/store.js";

const QUEUE = "stockfeed-jobs";

export interface WorkerOptions {
  configPath: string;
  log: Logger;
  /** jobs this process runs at once (each on its own merchant) */
  concurrency?: number;
  /** an active job older than this is taken as its worker's death and retried */
  expireSeconds?: number;
  /** how soon a job handed back (its merchant busy) or failed is tried again */
  retrySeconds?: number;
  /** pg-boss's maintenance (expiring dead workers' jobs) runs this often */
  maintenanceSeconds?: number;
  /** each finished job (tests) */
  onJob?: (job: JobSpec, exitCode: number) => void;
}

/** A tick's job id: the same on every worker (a UUID's shape made of the job's key and the tick). */
export function tickId(key: string, tick: number): string {
  const h = createHash("sha256").update(`${key}@${tick}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Worker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly crons: Array<{ job: JobSpec; cron: Cron; next: number | null }> = [];

  private constructor(
    private readonly config: LoadedConfig,
    private readonly boss: PgBoss,
    private readonly options: WorkerOptions,
  ) {}

  static async start(options: WorkerOptions): Promise<Worker> {
    const config = loadConfig(options.configPath);
    if (config.state.kind !== "postgres")
      throw new ConfigError(
        `${config.file}: workers share a PostgreSQL state; a SQLite state is run by \`stockfeed daemon\` (one process)`,
      );
    const target = pgTarget(config.state, process.env);
    const session = await connectPg(target);
    try {
      await checkSharedFolder(session, config.workDir);
    } finally {
      await session.close();
    }
    const url = new URL(target.url);
    if (target.password !== undefined) url.password = target.password;
    const boss = new PgBoss({
      connectionString: url.toString(),
      schema: "stockfeed_queue",
      application_name: `stockfeed worker (pid ${process.pid} on ${hostname()})`,
      maintenanceIntervalSeconds: options.maintenanceSeconds ?? 30,
    });
    boss.on("error", (e: Error) => options.log.warn({ err: e.message }, "job queue error"));
    await boss.start();
    await boss.createQueue(QUEUE, {
      name: QUEUE,
      policy: "short",
      retryLimit: 1_000_000,
      retryDelay: options.retrySeconds ?? 5,
      expireInSeconds: options.expireSeconds ?? 900,
    });
    const worker = new Worker(config, boss, options);
    worker.plan();
    for (let i = 0; i < (options.concurrency ?? 1); i++) {
      // a worker that found a job asks for the next at once (pg-boss waits out its polling interval otherwise)
      const self = { id: "" };
      self.id = await boss.work<JobSpec>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        try {
          return await worker.handle(job.data);
        } finally {
          boss.notifyWorker(self.id);
        }
      });
    }
    return worker;
  }

  /** every tick due: a poll's slot, a cart's cron time (enqueued by every worker, kept once) */
  private plan(): void {
    const now = Date.now();
    for (const p of plannedJobs(this.config))
      if ("schedule" in p) {
        const cron = new Cron(p.schedule, { timezone: p.timeZone, paused: true });
        this.crons.push({ job: p.job, cron, next: cron.nextRun(new Date(now))?.getTime() ?? null });
      }
    const tick = async () => {
      const at = Date.now();
      for (const p of plannedJobs(this.config))
        if ("seconds" in p) await this.enqueue(p.job, Math.floor(at / (p.seconds * 1000)));
      for (const c of this.crons) {
        if (c.next === null || c.next > at) continue;
        await this.enqueue(c.job, c.next);
        c.next = c.cron.nextRun(new Date(at))?.getTime() ?? null;
      }
    };
    const loop = () => {
      tick()
        .catch((e: Error) => this.options.log.warn({ err: e.message }, "could not enqueue a tick"))
        .finally(() => {
          // (a tick in flight when stop() came plans no next one)
          if (!this.stopped) this.timer = setTimeout(loop, 1000);
        });
    };
    loop();
  }

  private async enqueue(job: JobSpec, tick: number): Promise<void> {
    await this.boss.send(QUEUE, job, { id: tickId(job.key, tick), singletonKey: job.key });
  }

  /** One job on its merchant alone, under its lock; a busy merchant hands the job back. */
  private async handle(job: JobSpec): Promise<{ exitCode: number }> {
    const config = merchantConfig(this.config, job.merchant);
    const target = pgTarget(this.config.state as Extract<LoadedConfig["state"], { kind: "postgres" }>, process.env);
    const lock = await MerchantLocks.acquire(target, [job.merchant], `stockfeed worker ${job.key}`);
    try {
      const report = await runOnce(config, { ...runOptionsOf(job), log: this.options.log });
      this.options.log.info({ job: job.key, run: report.runId, exit: report.exitCode }, "job done");
      this.options.onJob?.(job, report.exitCode);
      return { exitCode: report.exitCode };
    } finally {
      await lock.release();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.boss.stop({ graceful: true, wait: true, timeout: 60_000 });
  }
}
