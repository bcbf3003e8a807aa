import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedCart } from "../config/load.js";
import { exists, fsyncFile, sha256File } from "../util/fs.js";
import type { StageContext } from "./context.js";
import { detailFields } from "./details.js";

/**
 * The column a cart file's records are told apart by: the code, or the SKU of a cart by SKU
 * (its code); -1 when the file has neither.
 */
export function keyColumn(cart: LoadedCart): number {
  const code = cart.output.fields.indexOf("code");
  return code >= 0 || cart.config.alias !== null ? code : cart.output.fields.indexOf("sku");
}

/**
 * A cart whose next file can be its last one with the changed lines patched in: its format
 * reads its files back, records are told apart by code, and no line carries product details
 * (those change with the WMS's product file, not with the lines).
 */
export function patchable(cart: LoadedCart): boolean {
  return !!cart.output.format.keptRecords && keyColumn(cart) >= 0 && detailFields(cart).length === 0;
}

/**
 * The kept copy of a cart's last delivered file: a send-all cart's (rule 4: a file every run)
 * is sent again, restamped, while nothing changes; a patchable cart's next file is made from
 * it. It is stockfeed's own: never the delivered file itself (a local delivery may share its
 * bytes by a hard link, and the partner may edit what it received), and checked against the
 * sha256 recorded when it was rendered before it is used.
 */
export function keepsCopy(cart: LoadedCart): boolean {
  return (cart.sendAll && !!cart.output.format.restamp) || patchable(cart);
}

function keptDir(ctx: StageContext, cart: LoadedCart): string {
  return ctx.workDir.kept(cart.merchant, cart.config.id);
}

/** The sha256 to record with a cart file, for the carts whose files are kept. */
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

/**
 * The kept copy of that sync's file when it is there with the bytes recorded; else why not.
 * `checked: "by the caller"`: its bytes are not read here (the caller checks them against
 * the sha256 answered as it reads them, before it uses what it read).
 */
export async function keptCopy(
  ctx: StageContext,
  cart: LoadedCart,
  last: { id: number; sha256: string | null },
  checked: "here" | "by the caller" = "here",
): Promise<{ path: string; sha256: string } | { missing: string }> {
  const path = join(keptDir(ctx, cart), String(last.id));
  if (!(await exists(path))) return { missing: "no kept copy" };
  if (last.sha256 === null) return { missing: "no recorded sha256 for the kept copy" };
  if (checked === "by the caller") return { path, sha256: last.sha256 };
  const actual = await sha256File(path);
  if (actual !== last.sha256)
    return {
      missing: `the kept copy ${path} does not have the bytes recorded (sha256 ${actual}, recorded ${last.sha256})`,
    };
  return { path, sha256: actual };
}
