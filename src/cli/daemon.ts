import { Daemon } from "../daemon.js";
import type { Logger } from "../log.js";
import type { Io } from "./output.js";

/**
 * `stockfeed daemon --config FILE`: runs until SIGTERM/SIGINT (exit 0 once the work in hand
 * is finished; at the stop timeout the process ends at once with 1, the job cut short as by a
 * kill); SIGHUP reloads the config.
 */
export async function daemonCommand(
  args: { config: string; heartbeatSeconds?: string; stopTimeoutSeconds?: string },
  io: Io,
  log: Logger,
): Promise<number> {
  const daemon = new Daemon({
    configPath: args.config,
    log,
    heartbeatMs: Number(args.heartbeatSeconds ?? 10) * 1000,
    stopTimeoutMs: Number(args.stopTimeoutSeconds ?? 60) * 1000,
  });
  daemon.start();
  io.err(`stockfeed daemon: running (pid ${process.pid}); SIGTERM or Ctrl-C stops it, SIGHUP reloads ${args.config}`);
  const reload = () => daemon.reload("SIGHUP");
  process.on("SIGHUP", reload);
  const code = await new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      void daemon.stop(signal).then((finished) => {
        if (finished) return resolve(0);
        // the bound is a bound: the job in hand is cut where it stands, as a kill would
        daemon.cutShort();
        io.err(`stockfeed daemon: stopped after ${args.stopTimeoutSeconds ?? 60} s with a job cut short`);
        process.exit(1);
      });
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.off("SIGHUP", reload);
  io.err("stockfeed daemon: stopped");
  return code;
}
