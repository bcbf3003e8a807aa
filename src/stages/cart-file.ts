/** What every way of making a cart file shares: its name, its writer's context, its record, the lines left out. */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedCart } from "../config/load.js";
import { envelopeSettingsOf } from "../config/schema.js";
import type { RecordWriter, WriteContext } from "../formats/index.js";
import type { CartLines, RenderedFile, SkipReason } from "../state/store.js";
import { fileStamp, isoUtc } from "../util/time.js";
import type { StageContext } from "./context.js";
import { keepsCopy } from "./kept.js";
import type { CartReport } from "./sync.js";

export const SKIPPED_EXAMPLES = 5;

/** The cart's partner envelope: what its format asks for, and the settings under `output.<key>`; where it has one. */
export function cartEnvelope(cart: LoadedCart) {
  const envelope = cart.output.format.envelope;
  const settings = envelope && envelopeSettingsOf(cart.config.output, envelope.key);
  return envelope && settings ? { envelope, settings } : undefined;
}

/** An output file name from its template: {merchant} {cart} {warehouse} {timestamp} {seq} {seq:N}. */
export function renderFileName(
  template: string,
  v: { merchant: string; cart: string; warehouse?: string; now: number; seq: number },
): string {
  return template.replace(
    /\{(merchant|cart|warehouse|timestamp|seq)(?::(\d+))?\}/g,
    (_, key: string, width?: string) => {
      if (key === "merchant") return v.merchant;
      if (key === "cart") return v.cart;
      if (key === "warehouse") return v.warehouse ?? "";
      if (key === "timestamp") return fileStamp(v.now);
      return width ? String(v.seq).padStart(Number(width), "0") : String(v.seq);
    },
  );
}

/**
 * What the cart's writer needs besides its lines: the snapshot time and, where its format has one, the partner's
 * envelope.
 */
export function writeContext(ctx: StageContext, cart: LoadedCart, plannedRecords: number): WriteContext {
  const e = cartEnvelope(cart);
  if (!e) return { now: ctx.now, plannedRecords };
  const partner = e.envelope.partner(e.settings);
  return {
    now: ctx.now,
    plannedRecords,
    envelope: { settings: e.settings, reserve: (n) => ctx.store.edi.reserveControlNumbers(partner, n) },
  };
}

/** What a cart file's record carries however the file is made (rendered, or repeated). */
export type FiledAs = Pick<
  RenderedFile,
  "runId" | "merchant" | "cart" | "syncedAt" | "reason" | "inventoryFileId" | "settingsHash" | "stateAt"
>;

/**
 * Inside the transaction that records the file: its name (taking the cart's next {seq}) and
 * its path in the outbox, cleared of what a killed render left there (a file without a record).
 */
export async function nextOutboxFile(ctx: StageContext, cart: LoadedCart): Promise<{ name: string; local: string }> {
  const c = cart.config;
  const outbox = ctx.workDir.cartOutbox(cart.merchant, c.id);
  await mkdir(outbox, { recursive: true });
  const seq = await ctx.store.carts.nextSeq(cart.merchant, c.id);
  const name = renderFileName(c.output.filename, { merchant: cart.merchant, cart: c.id, now: ctx.now, seq });
  const local = join(outbox, name);
  await rm(local, { force: true });
  return { name, local };
}

export type Unsendable = { code: string; sku: string; quantity: number; reason: string };

/** A computed line as the cart's mapping takes it (as-of as ISO text, '' when the file carries none). */
export function lineRecord(
  line: { code: string; sku: string; quantity: number; available: number | null },
  asOfText: string,
): Record<string, unknown> {
  return { code: line.code, sku: line.sku, quantity: line.quantity, available: line.available, asOf: asOfText };
}

/** A line's as-of as the file writes it; most lines share one, so the text is made once per distinct value. */
export function asOfTexts(): (asOf: number | null) => string {
  let ms = NaN;
  let text = "";
  return (asOf) => {
    if (asOf === null) return text;
    if (asOf !== ms) [ms, text] = [asOf, isoUtc(asOf)];
    return text;
  };
}

/** Lines the format could not carry: out of the file, out of what is recorded as sent, into the report. */
export async function leaveOut(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  unsendable: Unsendable[],
  report: CartReport,
): Promise<void> {
  await lines.markUnsendable(unsendable);
  report.rows -= unsendable.length;
  report.units -= unsendable.reduce((a, u) => a + u.quantity, 0);
  report.skipped.unsendable = unsendable.length;
  report.skippedExamples.push(
    ...unsendable
      .slice(0, SKIPPED_EXAMPLES)
      .map((u) => ({ sku: u.sku, code: u.code, reason: "unsendable" as SkipReason, detail: u.reason })),
  );
  ctx.log.warn(
    { merchant: cart.merchant, cart: cart.config.id, count: unsendable.length, first: unsendable[0] },
    "lines the cart's format cannot carry were left out",
  );
}

/**
 * Writes the cart's next file into the outbox and records it, in one transaction: `write`
 * puts the records through the cart's writer and answers the lines it could not carry. A
 * failure (or a crash) before the commit uses up no {seq} and no control number: it is rolled
 * back, the partial file removed, and the error thrown on; after it, the file waits in the
 * outbox until delivered.
 */
export async function writeOutboxFile(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
  report: CartReport,
  write: (writer: RecordWriter) => Promise<Unsendable[]>,
): Promise<{ syncId: number; local: string }> {
  const { store } = ctx;
  const o = cart.output;
  let writer: RecordWriter | undefined;
  let local = "";
  await store.begin();
  try {
    const next = await nextOutboxFile(ctx, cart);
    report.file = next.name;
    local = next.local;
    writer = await o.format.createWriter(
      local,
      o.headers,
      o.writerOptions,
      writeContext(ctx, cart, lines.totals().rows),
    );
    const unsendable = await write(writer);
    const bytes = await writer.close();
    // hashed as it was written: a kept copy is checked against it before it is used
    const sha256 = keepsCopy(cart) ? writer.sha256() : null;
    writer = undefined;
    if (unsendable.length > 0) await leaveOut(ctx, cart, lines, unsendable, report);
    const file = { fileName: next.name, outboxPath: local, rows: report.rows, units: report.units, bytes, sha256 };
    const { syncId, linesChanged } = await lines.record({ ...filed, ...file, skipped: report.skipped });
    report.linesChanged = linesChanged;
    await store.commit();
    return { syncId, local };
  } catch (e) {
    await store.rollback();
    await writer?.abort();
    if (local) await rm(local, { force: true });
    throw e;
  }
}
