import { Daemon } from "../daemon.js";
import type { Logger } from "../log.js";
import type { Io } from "./output.js";

/**
 * `stockfeed daemon --config FILE`: runs until SIGTERM/SIGINT (exit 0 once the work in hand
 * is finished, 1 when it was still running at the bound); SIGHUP reloads the config.
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
      void daemon.stop(signal).then((finished) => resolve(finished ? 0 : 1));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.off("SIGHUP", reload);
  io.err(`stockfeed daemon: stopped${code === 0 ? "" : " with a job still running"}`);
  return code;
}
