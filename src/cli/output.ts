import { formatTable } from "../util/table.js";
import { isoUtc } from "../util/time.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** the reader of the output has gone (a pipe into head closed): streams stop writing */
  closed?: () => boolean;
}

let stdoutClosed = false;
let watching = false;

/** EPIPE on stdout is the reader closing the pipe, not a failure: what follows is dropped. */
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    stdoutClosed = true;
  });
}

export const processIo: Io = {
  out: (t) => {
    watchStdout();
    if (!stdoutClosed) process.stdout.write(t.endsWith("\n") ? t : `${t}\n`);
  },
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  closed: () => stdoutClosed,
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  return formatTable(headers, rows);
}

export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "" : isoUtc(ms);
}
