import type { Logger } from "../log.js";
import { Worker } from "../worker.js";
import type { Io } from "./output.js";

/**
 * `stockfeed worker --config FILE`: takes jobs from the PostgreSQL state's queue until
 * SIGTERM/SIGINT (the jobs in hand are finished, then exit 0). Start as many as you like.
 */
export async function workerCommand(
  args: { config: string; concurrency?: string; expireSeconds?: string; retrySeconds?: string },
  io: Io,
  log: Logger,
): Promise<number> {
  const worker = await Worker.start({
    configPath: args.config,
    log,
    concurrency: Number(args.concurrency ?? 1),
    expireSeconds: args.expireSeconds === undefined ? undefined : Number(args.expireSeconds),
    retrySeconds: args.retrySeconds === undefined ? undefined : Number(args.retrySeconds),
    maintenanceSeconds: args.expireSeconds === undefined ? undefined : Math.max(1, Number(args.expireSeconds) / 2),
  });
  io.err(`stockfeed worker: taking jobs (pid ${process.pid}); SIGTERM or Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await worker.stop();
  io.err("stockfeed worker: stopped");
  return 0;
}
