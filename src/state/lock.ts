import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { makeDirs } from "../util/fs.js";
import { StockfeedError } from "../errors.js";

/** Who holds a state database, written in `<state>.lock` beside it. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: number;
}

/** Whether a process of this host exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * One process owns a state database at a time: a `run` or the `daemon` takes
 * `<state>.lock` (created exclusively) and removes it on exit. A lock whose owner is dead
 * (same host, no such process) is taken over; a live owner's is refused with who and since
 * when. A lock from another host is never taken over (its owner cannot be checked).
 */
/**
 * Creates the lock file with its owner, or false when it exists. A fault (a full disk, a
 * folder that cannot be written) is one line, and leaves no empty lock behind.
 */
function createLock(path: string, me: LockOwner): boolean {
  let fd: number | undefined;
  try {
    makeDirs(dirname(path));
    fd = openSync(path, "wx");
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (fd !== undefined) {
      closeSync(fd);
      unlinkSync(path);
    }
    const state = path.replace(/\.lock$/, "");
    const message =
      code === "ENOSPC"
        ? `the state database ${state} failed: its disk is full (writing its lock ${path}: ENOSPC)`
        : `cannot take the state lock ${path}: ${code ?? (e as Error).message}`;
    throw new StockfeedError(message, "state", "state_failed", code === "ENOSPC");
  }
}

export class StateLock {
  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  static acquire(statePath: string, command: string): StateLock {
    const path = `${statePath}.lock`;
    const me: LockOwner = { pid: process.pid, host: hostname(), command, since: Date.now() };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createLock(path, me)) return new StateLock(path, me);
      const other = readOwner(path);
      if (other && other.host !== me.host)
        throw new StockfeedError(
          `${statePath} is in use by ${other.command} (pid ${other.pid} on ${other.host}, since ${new Date(other.since).toISOString()}); if that host is gone, remove ${path}`,
          "state",
          "state_failed",
        );
      if (other && processAlive(other.pid))
        throw new StockfeedError(
          `${statePath} is in use by ${other.command} (pid ${other.pid}, since ${new Date(other.since).toISOString()}): one process owns a state database at a time`,
          "state",
          "state_failed",
        );
      // the owner is dead (or the file is unreadable, left by a crash mid-write): take it over
      const mine = `${path}.${process.pid}`;
      try {
        const fd = openSync(mine, "w");
        writeSync(fd, JSON.stringify(me));
        closeSync(fd);
        renameSync(mine, path);
      } catch {
        continue;
      }
      if (readOwner(path)?.pid === process.pid) return new StateLock(path, me);
    }
    throw new StockfeedError(`could not take ${path}: another process keeps taking it`, "state", "state_failed");
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    if (readOwner(this.path)?.pid !== process.pid) return;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
