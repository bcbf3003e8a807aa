/**
 * A cart's next file made from its last delivered one: the kept copy's records streamed
 * through the cart's writer in code order, each changed line written in its place (new,
 * changed, or left out when no longer carried), the envelope and counts written anew by the
 * writer. The bytes are those a full render of the same lines gives (same name, sequence,
 * control numbers and time): test/patch.test.ts renders both and compares them.
 */
import type { LoadedCart } from "../config/load.js";
import { faultOrThrow } from "../faults.js";
import { KeptFileMismatch, type KeptRecord, type RecordWriter } from "../formats/index.js";
import type { CartLines } from "../state/store.js";
import type { ChangedLine } from "../state/sqlite/cart-lines.js";
import { faultPoint } from "../util/fault.js";
import { compareCodes } from "../util/order.js";
import { asOfTexts, lineRecord, writeContext, writeOutboxFile, type FiledAs, type Unsendable } from "./cart-file.js";
import type { StageContext } from "./context.js";
import { keptCopy, keyColumn, patchable } from "./kept.js";
import type { CartReport } from "./sync.js";

/**
 * Above this share of the last file's lines changed, the file is rendered whole: a patch
 * still reads every record of the kept file, a render reads every line of the state.
 */
export const PATCH_SHARE = 0.5;

/**
 * The cart's next file as its last delivered file with the changed lines patched in, written
 * into the outbox and recorded in one transaction (as a render is). "not patchable" when it is
 * to be rendered whole, the lines as computed: the cart's format or mapping cannot be patched,
 * no file was delivered or its settings differ, a file made since was lost (its lines are what
 * the state has, not the kept file's), too many lines changed, or the kept copy is missing or
 * not the bytes recorded. "failed" when a patch was begun and given up (the kept file and the
 * lines recorded as sent in it do not agree, or a fault): the lines may have been marked by it,
 * so they are computed again to render.
 */
export async function patchFile(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
  report: CartReport,
): Promise<{ syncId: number; local: string } | "not patchable" | "failed"> {
  const records = await keptRecords(ctx, cart, lines, filed);
  if (!records) return "not patchable";
  try {
    const made = await writeOutboxFile(ctx, cart, lines, filed, report, (writer) =>
      mergeLines(cart, records.read, lines.changedPages(), writer, records.rows),
    );
    report.patched = records.from;
    return made;
  } catch (e) {
    // a bug is a bug (exit 3); a kept file not as expected, or a fault the render meets again, is rendered whole
    if (!(e instanceof KeptFileMismatch)) faultOrThrow(e, "processing", report.file);
    report.file = undefined;
    ctx.log.warn(
      { merchant: cart.merchant, cart: cart.config.id, err: (e as Error).message },
      "the last file could not be patched: the file is rendered whole",
    );
    return "failed";
  }
}

/** The records of the cart's kept last file, where a patch of it is to be made (see patchFile). */
async function keptRecords(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
): Promise<{ read: AsyncIterable<KeptRecord[]>; rows: number; from: string } | undefined> {
  const read = cart.output.format.keptRecords;
  if (ctx.patch === false || !read || !patchable(cart)) return undefined;
  const last = await ctx.store.carts.lastDelivered(cart.merchant, cart.config.id);
  if (!last || last.settings_hash !== filed.settingsHash) return undefined;
  const changes = await lines.changes(filed.settingsHash);
  if (changes.against !== last.lines_set || changes.lines > PATCH_SHARE * last.rows) return undefined;
  const kept = await keptCopy(ctx, cart, last);
  if ("missing" in kept) {
    if (kept.missing !== "no kept copy")
      ctx.log.warn({ merchant: cart.merchant, cart: cart.config.id, why: kept.missing }, "the file is rendered whole");
    return undefined;
  }
  const o = cart.output;
  const records = read(kept.path, o.headers, o.writerOptions, keyColumn(cart), writeContext(ctx, cart, 0));
  return records && { read: records, rows: last.rows, from: last.file_name };
}

/** The changed lines one at a time, in code order. */
async function* oneByOne(pages: AsyncGenerator<ChangedLine[]>): AsyncGenerator<ChangedLine> {
  for await (const page of pages) yield* page;
}

/**
 * The merge: the kept file's records (`expected` of them, in strictly increasing code) copied
 * as they are, but where a changed line has their code (written, or left out when gone) or
 * comes before it (a new line, written there). Returns the lines the writer could not carry.
 */
async function mergeLines(
  cart: LoadedCart,
  records: AsyncIterable<KeptRecord[]>,
  pages: AsyncGenerator<ChangedLine[]>,
  writer: RecordWriter,
  expected: number,
): Promise<Unsendable[]> {
  const unsendable: Unsendable[] = [];
  const asOfText = asOfTexts();
  const changed = oneByOne(pages);
  let line = (await changed.next()).value as ChangedLine | undefined;
  /** the changed line written in its place; on to the next */
  const put = async (l: ChangedLine, kept: boolean) => {
    if (l.had !== kept)
      throw new KeptFileMismatch(
        `the line of ${l.code} ` +
          `${l.had ? "recorded as sent is not" : "is not recorded as sent but is"} in the kept file`,
      );
    line = (await changed.next()).value as ChangedLine | undefined;
    if (l.gone) return;
    const written = writer.write(cart.output.row(lineRecord(l, asOfText(l.asOf))));
    const left = written instanceof Promise ? await written : written;
    if (left !== undefined) unsendable.push({ code: l.code, sku: l.sku, quantity: l.quantity, reason: left });
  };
  let count = 0;
  let previous: string | undefined;
  for await (const batch of records) {
    for (const r of batch) {
      faultPoint("sync:mid-patch");
      if (previous !== undefined && compareCodes(previous, r.key) >= 0)
        throw new KeptFileMismatch(`its records are not in code order: ${r.key} after ${previous}`);
      previous = r.key;
      count++;
      while (line && compareCodes(line.code, r.key) < 0) await put(line, false);
      if (line && line.code === r.key) await put(line, true);
      else {
        const copied = writer.copy!(r);
        if (copied) await copied;
      }
    }
  }
  while (line) await put(line, false);
  if (count !== expected) throw new KeptFileMismatch(`it has ${count} records where its record says ${expected}`);
  return unsendable;
}
