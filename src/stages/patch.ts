/**
 * A cart's next file made from its last delivered one: the kept copy's records streamed
 * through the cart's writer in code order, each changed line written in its place (new,
 * changed, or left out when no longer carried), the envelope and counts written anew by the
 * writer. The bytes are those a full render of the same lines gives (same name, sequence,
 * control numbers and time): test/patch.test.ts renders both and compares them.
 */
import type { LoadedCart } from "../config/load.js";
import { faultOrThrow } from "../faults.js";
import { KeptFileMismatch, type KeptBody, type KeptRecord, type RecordWriter } from "../formats/index.js";
import type { CartLines } from "../state/store.js";
import type { ChangedLine } from "../state/sql/cart-lines.js";
import { faultPoint } from "../util/fault.js";
import { asOfTexts, lineRecord, writeContext, writeOutboxFile, type FiledAs, type Unsendable } from "./cart-file.js";
import type { StageContext } from "./context.js";
import { keptCopy, keyColumn, patchable } from "./kept.js";
import { changesUpTo, checkOrder, mergeBody, restOfChanges, type ChangeCursor } from "./patch-body.js";
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
 * (read record by record) not the bytes recorded. "failed" when a patch was begun and given up
 * (the kept file and the lines recorded as sent in it do not agree, its bytes, checked as they
 * are merged, are not those recorded, or a fault): the lines may have been marked by it, so they
 * are computed again to render.
 */
export async function patchFile(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
  report: CartReport,
): Promise<{ syncId: number; local: string } | "not patchable" | "failed"> {
  const kept = await keptFile(ctx, cart, lines, filed);
  if (!kept) return "not patchable";
  try {
    const made = await writeOutboxFile(ctx, cart, lines, filed, report, (writer) => merge(cart, kept, lines, writer));
    report.patched = kept.from;
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

/** The cart's kept last file, where a patch of it is to be made (see patchFile), and how it is read. */
type KeptFile = { rows: number; from: string } & (
  { body: KeptBody; path: string; sha256: string } | { records: AsyncIterable<KeptRecord[]> }
);

async function keptFile(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
): Promise<KeptFile | undefined> {
  const o = cart.output;
  if (ctx.patch === false || !o.format.keptRecords || !patchable(cart)) return undefined;
  const last = await ctx.store.carts.lastDelivered(cart.merchant, cart.config.id);
  if (!last || last.settings_hash !== filed.settingsHash) return undefined;
  const changes = await lines.changes(filed.settingsHash);
  if (changes.against !== last.lines_set || changes.lines > PATCH_SHARE * last.rows) return undefined;
  // the fast merge reads the kept file's bytes once, checking them as it goes
  const body = o.format.keptBody?.(o.headers, o.writerOptions, keyColumn(cart));
  const kept = await keptCopy(ctx, cart, last, body ? "by the caller" : "here");
  if ("missing" in kept) {
    if (kept.missing !== "no kept copy")
      ctx.log.warn({ merchant: cart.merchant, cart: cart.config.id, why: kept.missing }, "the file is rendered whole");
    return undefined;
  }
  const about = { rows: last.rows, from: last.file_name };
  if (body) return { ...about, body, ...kept };
  const records = o.format.keptRecords(
    kept.path,
    o.headers,
    o.writerOptions,
    keyColumn(cart),
    writeContext(ctx, cart, 0),
  );
  return records && { ...about, records };
}

/** The kept file's records with the changed lines merged in; the lines the writer could not carry. */
async function merge(cart: LoadedCart, kept: KeptFile, lines: CartLines, writer: RecordWriter): Promise<Unsendable[]> {
  const changes = await new Changes(cart, lines.changedPages(), writer).start();
  if ("body" in kept)
    await mergeBody({ path: kept.path, sha256: kept.sha256, records: kept.rows }, kept.body, changes, writer);
  else await mergeRecords(kept.records, changes, writer, kept.rows);
  return changes.unsendable;
}

/** The changed lines in code order, each written in its place by `put` (see ChangeCursor). */
class Changes implements ChangeCursor {
  readonly unsendable: Unsendable[] = [];
  private line: ChangedLine | undefined;
  private page: ChangedLine[] = [];
  private at = 0;
  private readonly asOfText = asOfTexts();

  constructor(
    private readonly cart: LoadedCart,
    private readonly pages: AsyncGenerator<ChangedLine[]>,
    private readonly writer: RecordWriter,
  ) {}

  /** reads the first line: call once before the others */
  async start(): Promise<this> {
    await this.next();
    return this;
  }

  code(): string | undefined {
    return this.line?.code;
  }

  async put(kept: boolean): Promise<void> {
    const l = this.line!;
    if (l.had !== kept)
      throw new KeptFileMismatch(
        `the line of ${l.code} ` +
          `${l.had ? "recorded as sent is not" : "is not recorded as sent but is"} in the kept file`,
      );
    await this.next();
    if (l.gone) return;
    const written = this.writer.write(this.cart.output.row(lineRecord(l, this.asOfText(l.asOf))));
    const left = written instanceof Promise ? await written : written;
    if (left !== undefined) this.unsendable.push({ code: l.code, sku: l.sku, quantity: l.quantity, reason: left });
  }

  private async next(): Promise<void> {
    while (this.at >= this.page.length) {
      const p = await this.pages.next();
      if (p.done) {
        this.line = undefined;
        return;
      }
      [this.page, this.at] = [p.value, 0];
    }
    this.line = this.page[this.at++];
  }
}

/**
 * The merge record by record: the kept file's records (`expected` of them, in strictly
 * increasing code) copied as they are, but where a changed line has their code (written, or
 * left out when gone) or comes before it (a new line, written there).
 */
async function mergeRecords(
  records: AsyncIterable<KeptRecord[]>,
  changes: Changes,
  writer: RecordWriter,
  expected: number,
): Promise<void> {
  let count = 0;
  let previous: string | undefined;
  for await (const batch of records) {
    for (const r of batch) {
      faultPoint("sync:mid-patch");
      checkOrder(previous, r.key);
      previous = r.key;
      count++;
      if (await changesUpTo(changes, r.key)) continue;
      const copied = writer.copy!(r);
      if (copied) await copied;
    }
  }
  await restOfChanges(changes);
  if (count !== expected) throw new KeptFileMismatch(`it has ${count} records where its record says ${expected}`);
}
