import { createHash } from "node:crypto";
import { createReadStream, mkdirSync } from "node:fs";
import { copyFile, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** rename, falling back to copy + fsync + unlink when the two paths are on different filesystems */
export async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    const tmp = `${to}.part`;
    await copyFile(from, tmp);
    await fsyncFile(tmp);
    await rename(tmp, to);
    await rm(from);
  }
}

export async function fsyncFile(path: string): Promise<void> {
  const h = await open(path, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `name` if free in the folder, else `name` with `.1`, `.2`... before its extension */
export async function freeName(dir: string, name: string): Promise<string> {
  const dot = name.lastIndexOf(".");
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  let candidate = name;
  for (let i = 1; await exists(`${dir}/${candidate}`); i++) candidate = `${base}.${i}${ext}`;
  return candidate;
}

/** The sha256 of a file's bytes, hex, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Creates a folder and its missing parents, one level at a time (Node's recursive mkdir
 * loops for good on a path under /proc whose parent cannot hold folders).
 */
export function makeDirs(path: string): void {
  try {
    mkdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = dirname(path);
    if (code !== "ENOENT" || parent === path) throw e;
    makeDirs(parent);
    mkdirSync(path);
  }
}
