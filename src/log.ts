import { closeSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import pino from "pino";
import { UsageError } from "./errors.js";
import { makeDirs } from "./util/fs.js";

export type Logger = pino.Logger;

/**
 * JSON logs on stderr (stdout carries the command's answer), or appended to a file; quiet
 * unless asked. A log file that cannot be opened is a usage error before anything runs; one
 * that stops taking writes (a full disk, a file under /proc) is said once on stderr and the
 * log goes on there: logging never fails a run.
 */
export function createLogger(level: string = "warn", file?: string): Logger {
  if (!file)
    return pino(
      { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
      pino.destination({ dest: 2, sync: true }),
    );
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, logFileStream(file));
}

function logFileStream(file: string): { write(line: string): void } {
  let fd: number;
  try {
    makeDirs(dirname(file));
    fd = openSync(file, "a");
  } catch (e) {
    throw new UsageError(
      `--log-file ${file} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let broken = false;
  return {
    write(line: string) {
      if (!broken) {
        try {
          writeSync(fd, line);
          return;
        } catch (e) {
          broken = true;
          closeQuietly(fd);
          process.stderr.write(
            `stockfeed: the log file ${file} stopped taking writes (${(e as NodeJS.ErrnoException).code}): logging to stderr\n`,
          );
        }
      }
      process.stderr.write(line);
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already unusable
  }
}

export const silentLogger: Logger = pino({ level: "silent" });
