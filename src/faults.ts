import { FileUnreadableError, StockfeedError, type ErrorKind, type Stage } from "./errors.js";
import { stateFault } from "./state/errors.js";

/**
 * An error as data, from the point it happens to the edge: what stage, what kind, whether
 * retrying may help, the words, and the file (and line) when there is one. Reports carry it
 * beside their message; the run counts them by stage and kind.
 */
export interface ReportedError {
  stage: Stage;
  kind: ErrorKind;
  retriable: boolean;
  message: string;
  file?: string;
  line?: number;
}

/** system calls that may succeed when tried again */
const TRANSIENT = new Set(["EBUSY", "EAGAIN", "ETIMEDOUT", "ECONNRESET", "EINTR", "ENOSPC", "EMFILE", "ENFILE"]);

/**
 * A known fault as data: a stockfeed error (a bad file, a refused transfer, the state's
 * disk), or an operating system's refusal (a missing folder, permission, a full disk).
 * Undefined for anything else: that is a bug, to be rethrown so the CLI exits 3 with its
 * stack, never a string in a report.
 */
export function asFault(e: unknown, stage: Stage, file?: string): ReportedError | undefined {
  const known = e instanceof StockfeedError ? e : stateFault(e);
  if (known) {
    const at = known instanceof FileUnreadableError ? known.file : file;
    return {
      stage: known.stage,
      kind: known.kind,
      retriable: known.retriable,
      message: known.message,
      ...(at ? { file: at } : {}),
    };
  }
  const sys = e as NodeJS.ErrnoException;
  if (sys instanceof Error && typeof sys.code === "string" && typeof sys.syscall === "string") {
    return {
      stage,
      kind: "io_failed",
      retriable: TRANSIENT.has(sys.code),
      message: sys.message,
      ...(file ? { file } : {}),
    };
  }
  return undefined;
}

/** The fault, or the error itself thrown on (a bug). */
export function faultOrThrow(e: unknown, stage: Stage, file?: string): ReportedError {
  const f = asFault(e, stage, file);
  if (!f) throw e;
  return f;
}

/** Faults counted by stage and kind (`receiving/transfer_failed: 2`), for the run's summary. */
export function countFaults(faults: ReadonlyArray<ReportedError | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of faults) if (f) out[`${f.stage}/${f.kind}`] = (out[`${f.stage}/${f.kind}`] ?? 0) + 1;
  return out;
}
