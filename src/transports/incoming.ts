import { posix } from "node:path";
import { globToRegExp } from "../util/glob.js";
import { sleep } from "./connections.js";
import type { ListedFile, SourceTransport } from "./types.js";

/** The options incoming.ts needs from any source config (see takingOptions). */
export interface TakingConfig {
  match: string;
  stableSeconds: number;
  doneFile?: string;
  afterTake: "move" | "delete" | "keep";
  archiveDir: string;
}

/** What was seen of a source's files in earlier listings, by path (kept in the state DB). */
export interface ListingMemory {
  recall(): Promise<Map<string, { size: number; mtime: number; seenAt: number }>>;
  /** records this listing; a path whose size and mtime did not change keeps its first seenAt */
  remember(files: ListedFile[], now: number): Promise<void>;
}

export interface CompleteFiles {
  /** complete files, oldest first by the server's own times */
  ready: ListedFile[];
  /** still being written (or not seen unchanged long enough): left for a later listing */
  waiting: ListedFile[];
  /** names that could escape the spool or mean something else locally: never taken */
  unsafe: Array<{ path: string; reason: string }>;
  /** matching entries that are not regular files (symbolic links): never taken, reported */
  skipped: Array<{ path: string; reason: string }>;
}

/** Why a listed symbolic link is not taken (it may point anywhere: outside the folder, at a device). */
export const SYMLINK = "a symbolic link, not a regular file: never taken or followed";

/** Names a writer is still busy with, or that are ours: never taken. */
export function isTransientName(name: string): boolean {
  return name.startsWith(".") || /\.(part|tmp|filepart|crdownload)$/i.test(name) || name.endsWith("~");
}

/**
 * Why a remote path may not be used as a local name, or undefined when it is safe: every
 * segment a plain name (no `..`, no empty or `.` segment, no backslash, drive letter,
 * NUL or control character).
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.includes("\0")) return "contains a NUL byte";
  if (/[\x01-\x1f\x7f]/.test(path)) return "contains a control character";
  if (path.includes("\\")) return "contains a backslash";
  if (/^[A-Za-z]:/.test(path)) return "starts with a drive letter";
  if (path.startsWith("/")) return "is an absolute path";
  if (path.split("/").some((s) => s === ".." || s === "." || s === ""))
    return "contains a '..', '.' or empty path segment";
  return undefined;
}

/** The done-file name that marks `path` complete, in the same folder. */
export function doneFileFor(template: string, path: string): string {
  const name = posix.basename(path);
  const dot = name.lastIndexOf(".");
  const base = dot > 0 ? name.slice(0, dot) : name;
  const marker = template.replace(/\{name\}/g, name).replace(/\{base\}/g, base);
  const dir = posix.dirname(path);
  return dir === "." ? marker : `${dir}/${marker}`;
}

function byServerTime(a: ListedFile, b: ListedFile): number {
  return a.mtime - b.mtime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/**
 * Lists a source and says which files are complete. Without a done file, a file is
 * complete when two listings at least stableSeconds apart show the same size and
 * modification time: listings are compared with each other, never with the local clock
 * (a server's clock may be hours off). A listing of an earlier run counts; otherwise, when
 * some file is not yet known to be stable, the source is listed a second time after
 * stableSeconds (at most `maxWaitSeconds`; longer intervals wait for the next run).
 */
export async function completeFiles(
  source: SourceTransport,
  config: TakingConfig,
  memory: ListingMemory,
  now: number,
  maxWaitSeconds = 60,
): Promise<CompleteFiles> {
  const pattern = globToRegExp(config.match);
  const unsafe: CompleteFiles["unsafe"] = [];
  const skipped: CompleteFiles["skipped"] = [];
  const archivePrefix = config.archiveDir.startsWith("/") ? undefined : `${posix.normalize(config.archiveDir)}/`;

  const skippedPaths = new Set<string>();
  const sort = (listed: ListedFile[]) => {
    const candidates: ListedFile[] = [];
    const all = new Set<string>();
    for (const f of listed) {
      const why = unsafePathReason(f.path);
      if (why) {
        unsafe.push({ path: f.path, reason: why });
        continue;
      }
      all.add(f.path);
      if (archivePrefix && f.path.startsWith(archivePrefix)) continue;
      if (f.path.split("/").some(isTransientName)) continue;
      if (!pattern.test(posix.basename(f.path))) continue;
      if (f.notRegular) {
        if (!skippedPaths.has(f.path)) skipped.push({ path: f.path, reason: f.notRegular });
        skippedPaths.add(f.path);
        continue;
      }
      candidates.push(f);
    }
    // a marker is never data, even when the glob matches it
    const markers = config.doneFile
      ? new Set(candidates.map((f) => doneFileFor(config.doneFile!, f.path)))
      : new Set<string>();
    return { candidates: candidates.filter((f) => !markers.has(f.path)), all };
  };

  const first = await source.list();
  const { candidates, all } = sort(first);
  if (config.doneFile) {
    const ready = candidates.filter((f) => all.has(doneFileFor(config.doneFile!, f.path)));
    const waiting = candidates.filter((f) => !all.has(doneFileFor(config.doneFile!, f.path)));
    return { ready: ready.sort(byServerTime), waiting, unsafe, skipped };
  }
  if (config.stableSeconds === 0) return { ready: candidates.sort(byServerTime), waiting: [], unsafe, skipped };

  const known = await memory.recall();
  const stableAlready = (f: ListedFile) => {
    const k = known.get(f.path);
    return !!k && k.size === f.size && k.mtime === f.mtime && now - k.seenAt >= config.stableSeconds * 1000;
  };
  let ready = candidates.filter(stableAlready);
  let waiting = candidates.filter((f) => !stableAlready(f));
  await memory.remember(candidates, now);
  if (waiting.length > 0 && config.stableSeconds <= maxWaitSeconds) {
    await sleep(config.stableSeconds * 1000);
    const second = new Map(sort(await source.list()).candidates.map((f) => [f.path, f]));
    const unchanged = waiting.filter((f) => {
      const again = second.get(f.path);
      return !!again && again.size === f.size && again.mtime === f.mtime;
    });
    ready = [...ready, ...unchanged];
    waiting = waiting.filter((f) => !unchanged.includes(f));
    // the second listing is the newer observation of whatever is still changing
    await memory.remember([...second.values()], now + config.stableSeconds * 1000);
  }
  return { ready: ready.sort(byServerTime), waiting, unsafe: dedupe(unsafe), skipped };
}

function dedupe(unsafe: CompleteFiles["unsafe"]): CompleteFiles["unsafe"] {
  const seen = new Set<string>();
  return unsafe.filter((u) => (seen.has(u.path) ? false : (seen.add(u.path), true)));
}

/** Where afterTake: move puts a taken file: archiveDir keeps the file's subfolder path. */
export function archivePathFor(config: TakingConfig, path: string): string {
  return posix.join(config.archiveDir, path);
}
