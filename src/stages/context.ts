import type { Logger } from "../log.js";
import type { Store } from "../state/store.js";
import type { Connections } from "../transports/connections.js";
import type { WorkDir } from "../workdir.js";

/** What every stage of one run works with. */
export interface StageContext {
  store: Store;
  /** the folders under workDir: spool, archive, quarantine, outbox, kept */
  workDir: WorkDir;
  runId: number;
  /** the run's clock, epoch ms */
  now: number;
  /** compute and report; write, move and record nothing real */
  dryRun: boolean;
  /** cart files may be patched from the cart's last file (false: rendered whole) */
  patch?: boolean;
  log: Logger;
  /** one connection per server for the whole run */
  connections: Connections;
  /** true once the run should stop taking new files (SIGTERM): the file in hand is finished */
  stopping?: () => boolean;
  /** told of every file report, for progress */
  onFile?: (report: { name: string; rowsRead: number }) => void;
}

/** Runs one unit of work and records how long it took in its report's `ms`. */
export async function timed<T extends { ms: number }>(work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const report = await work();
  report.ms = Math.round(performance.now() - start);
  return report;
}
