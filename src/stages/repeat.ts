/** A send-all cart with nothing new: its last file again, restamped, without computing a line. */
import { rm } from "node:fs/promises";
import type { LoadedCart } from "../config/load.js";
import { NO_SKIPS, type SkipReason } from "../state/store.js";
import { nextOutboxFile, writeContext, type FiledAs } from "./cart-file.js";
import type { StageContext } from "./context.js";
import { keptCopy, keptHash } from "./kept.js";
import type { CartReport } from "./sync.js";

/**
 * A send-all cart (rule 4: a file on every run) with nothing loaded since its last delivered
 * file and the same settings gets that file's lines again without computing or rendering them:
 * the kept copy is restamped by its format (X12: new control numbers and times; CSV: the same
 * bytes) under the next name, and recorded with the same line set. Undefined when that cannot
 * be done (no kept copy, other settings, news, a format that renders anew): the caller renders.
 */
export async function repeatLastFile(
  ctx: StageContext,
  cart: LoadedCart,
  filed: FiledAs,
  report: CartReport,
): Promise<{ syncId: number; local: string; computeMs: number; renderMs: number } | undefined> {
  const { store } = ctx;
  const c = cart.config;
  const restamp = cart.output.format.restamp;
  const last = await store.carts.lastDelivered(cart.merchant, c.id);
  if (!restamp || !last || last.settings_hash !== filed.settingsHash || last.state_at !== filed.stateAt)
    return undefined;
  const kept = await keptCopy(ctx, cart, last);
  if ("missing" in kept) {
    if (kept.missing !== "no kept copy")
      ctx.log.warn({ merchant: cart.merchant, cart: c.id, why: kept.missing }, "the last file is made anew");
    return undefined;
  }
  const t0 = performance.now();
  let local = "";
  await store.begin();
  try {
    const next = await nextOutboxFile(ctx, cart);
    local = next.local;
    const bytes = await restamp(kept.path, local, cart.output.writerOptions, writeContext(ctx, cart, last.rows));
    if (bytes === undefined) {
      await store.rollback();
      return undefined;
    }
    const sha256 = await keptHash(cart, local);
    const skipped: Record<SkipReason, number> = {
      ...NO_SKIPS,
      ...(last.skipped_by ? (JSON.parse(last.skipped_by) as Record<SkipReason, number>) : {}),
    };
    const syncId = await store.carts.recordRepeat({
      ...filed,
      fileName: next.name,
      outboxPath: local,
      rows: last.rows,
      units: last.units,
      skipped,
      bytes,
      sha256,
      linesOf: last.lines_set,
    });
    await store.commit();
    Object.assign(report, { file: next.name, rows: last.rows, units: last.units, skipped, repeated: last.file_name });
    ctx.log.info(
      { merchant: cart.merchant, cart: c.id, file: next.name, repeats: last.file_name },
      "nothing changed since the last file: its lines are sent again",
    );
    return { syncId, local, computeMs: 0, renderMs: performance.now() - t0 };
  } catch (e) {
    await store.rollback();
    if (local) await rm(local, { force: true });
    ctx.log.warn(
      { merchant: cart.merchant, cart: c.id, err: (e as Error).message },
      "the kept copy of the last file could not be sent again: the file is made anew",
    );
    return undefined;
  }
}
