import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedCart } from "../config/load.js";
import { exists, fsyncFile, sha256File } from "../util/fs.js";
import type { StageContext } from "./context.js";

/**
 * The kept copy of a send-all cart's last delivered file (rule 4: a file every run), sent
 * again, restamped, while nothing changes. It is stockfeed's own: never the delivered file
 * itself (a local delivery may share its bytes by a hard link, and the partner may edit what
 * it received), and checked against the sha256 recorded when it was rendered before it is
 * sent again.
 */
export function keepsCopy(cart: LoadedCart): boolean {
  return cart.sendAll && !!cart.output.format.restamp;
}

function keptDir(ctx: StageContext, cart: LoadedCart): string {
  return ctx.workDir.kept(cart.merchant, cart.config.id);
}

/** The sha256 to record with a rendered file, for the carts whose files are kept. */
export async function keptHash(cart: LoadedCart, path: string): Promise<string | null> {
  return keepsCopy(cart) ? sha256File(path) : null;
}

/**
 * After delivery: the outbox file becomes the cart's kept copy (one per cart, named by its
 * sync), a private copy where the delivery shares its inode; other outbox files are removed.
 */
export async function keepOrRemove(
  ctx: StageContext,
  cart: LoadedCart,
  p: { id: number; outbox_path: string },
): Promise<void> {
  if (!keepsCopy(cart)) return rm(p.outbox_path, { force: true });
  const dir = keptDir(ctx, cart);
  await mkdir(dir, { recursive: true });
  const keep = String(p.id);
  const target = join(dir, keep);
  if ((await stat(p.outbox_path)).nlink > 1) {
    const part = `${target}.part`;
    await copyFile(p.outbox_path, part);
    await fsyncFile(part);
    await rename(part, target);
    await rm(p.outbox_path, { force: true });
  } else await rename(p.outbox_path, target);
  for (const old of await readdir(dir)) if (old !== keep) await rm(join(dir, old), { force: true });
}

/** The kept copy of that sync's file when it is there with the bytes recorded; else why not. */
export async function keptCopy(
  ctx: StageContext,
  cart: LoadedCart,
  last: { id: number; sha256: string | null },
): Promise<{ path: string } | { missing: string }> {
  const path = join(keptDir(ctx, cart), String(last.id));
  if (!(await exists(path))) return { missing: "no kept copy" };
  if (last.sha256 === null) return { missing: "no recorded sha256 for the kept copy" };
  const actual = await sha256File(path);
  if (actual !== last.sha256)
    return {
      missing: `the kept copy ${path} does not have the bytes recorded (sha256 ${actual}, recorded ${last.sha256})`,
    };
  return { path };
}
