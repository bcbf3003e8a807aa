import { appendFileSync } from "node:fs";

/**
 * Crash injection for the tests that prove a run can be killed anywhere: when the
 * environment variable STOCKFEED_FAULT names this point, the process kills itself with
 * SIGKILL there (no cleanup, no finally: as a power cut would). `STOCKFEED_FAULT_SKIP=n`
 * lets the point pass n times first. Costs one comparison when unset.
 */
const wanted = process.env.STOCKFEED_FAULT;
let skip = Number(process.env.STOCKFEED_FAULT_SKIP ?? 0);
/** STOCKFEED_FAULT_TRACE=file: every point passed is appended there (the crash harness plans its kills from it) */
const trace = process.env.STOCKFEED_FAULT_TRACE;

/** STOCKFEED_BUG=point: a plain Error thrown there, as a bug would be (it must reach the CLI: exit 3) */
const bug = process.env.STOCKFEED_BUG;

export function faultPoint(name: string): void {
  if (trace) appendFileSync(trace, `${name}\n`);
  if (bug === name) throw new Error(`a bug injected at ${name} (STOCKFEED_BUG)`);
  if (wanted === undefined || wanted !== name) return;
  if (skip-- > 0) return;
  process.kill(process.pid, "SIGKILL");
}

/**
 * A pause for tests that need a slow step (a sync still running when its next tick comes):
 * STOCKFEED_DELAY="name=ms". Costs one comparison when unset.
 */
const delays = new Map(
  (process.env.STOCKFEED_DELAY ?? "")
    .split(",")
    .filter(Boolean)
    .map((d) => [d.split("=")[0], Number(d.split("=")[1])] as const),
);

export async function delayPoint(name: string): Promise<void> {
  const ms = delays.get(name);
  if (ms) await new Promise((r) => setTimeout(r, ms));
}
