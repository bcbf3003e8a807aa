import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
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
export class StateLock {
  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  static acquire(statePath: string, command: string): StateLock {
    const path = `${statePath}.lock`;
    mkdirSync(dirname(path), { recursive: true });
    const me: LockOwner = { pid: process.pid, host: hostname(), command, since: Date.now() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, JSON.stringify(me));
        closeSync(fd);
        return new StateLock(path, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const other = readOwner(path);
      if (other && other.host !== me.host)
        throw new StockfeedError(`${statePath} is in use by ${other.command} (pid ${other.pid} on ${other.host}, since ${new Date(other.since).toISOString()}); if that host is gone, remove ${path}`, "state", "state_failed");
      if (other && processAlive(other.pid))
        throw new StockfeedError(`${statePath} is in use by ${other.command} (pid ${other.pid}, since ${new Date(other.since).toISOString()}): one process owns a state database at a time`, "state", "state_failed");
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
