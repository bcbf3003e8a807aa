import { createHash } from "node:crypto";
import type { LoadedCart } from "../config/load.js";
import { decideSync, SKIP_REASON_TEXT, type SyncDecision } from "../domain/sync-decision.js";
import { timed, type StageContext } from "./context.js";
import { NO_SKIPS, type CartLines, type SkipReason, type Store } from "../state/store.js";
import { delayPoint, faultPoint } from "../util/fault.js";
import { isoUtc } from "../util/time.js";
import { keepOrRemove, patchable } from "./kept.js";
import { deliverOutbox, type Outbox } from "./outbox.js";
import { faultOrThrow, type ReportedError } from "../faults.js";
import type { RecordWriter } from "../formats/index.js";
import {
  asOfTexts,
  cartEnvelope,
  lineRecord,
  renderFileName,
  SKIPPED_EXAMPLES,
  writeOutboxFile,
  type FiledAs,
  type Unsendable,
} from "./cart-file.js";
import { detailFields, productDetails } from "./details.js";
import { patchFile } from "./patch.js";
import { repeatLastFile } from "./repeat.js";

export { renderFileName } from "./cart-file.js";

export interface CartReport {
  merchant: string;
  cart: string;
  action: "sent" | "skipped" | "failed" | "would-send";
  /** why the cart was synced or skipped */
  reason: string;
  reasonText: string;
  file?: string;
  location?: string;
  rows: number;
  units: number;
  skipped: Record<SkipReason, number>;
  /** a few of the products left out, with why */
  skippedExamples: Array<{ sku: string; code: string | null; reason: SkipReason; detail?: string }>;
  /** first lines of the file (dry runs) */
  preview?: Array<{ code: string; quantity: number }>;
  error?: string;
  /** the error as data (stage, kind, retriable) */
  fault?: ReportedError;
  /** send-all with nothing changed: the earlier file whose lines this one repeats (restamped, not recomputed) */
  repeated?: string;
  /** the earlier file this one was made from, its changed lines patched in (not rendered line by line) */
  patched?: string;
  /** only the lines whose inputs changed since that file were computed (its totals and the changes give the rest) */
  fromChanges?: boolean;
  /** files rendered by an earlier run and delivered now (they had waited in the outbox) */
  delivered: string[];
  /** the same, with when each was made and delivered (ISO UTC) */
  outboxDeliveries: Array<{ file: string; madeAt: string; deliveredAt: string }>;
  /** lines of the file that differ from the cart's previous file: what its record wrote to the state */
  linesChanged?: number;
  /** time spent on this cart: compute, render, deliver, record */
  ms: number;
  /** of which: rules into cart lines (SQL), writing the file, publishing it (ms) */
  stages?: { computeMs: number; renderMs: number; deliverMs: number };
}

const SYNC_REASON_TEXT = {
  news: "a warehouse delivered inventory since the last sync",
  "send-all": "send-all: a file on every run",
  "first-sync": "first sync of this cart",
  "settings-changed": "the cart's settings changed since its last file",
} as const;

/** The cart's settings its lines are computed from (rules 5-9 and 15). */
function cartRules(cart: LoadedCart) {
  const c = cart.config;
  return {
    warehouse: cart.warehouse,
    alias: c.alias,
    minimumLevel: c.minimumLevel,
    buffer: c.buffer,
    percent: c.percent,
    maximum: c.maximum,
  };
}

/** What, in the cart's settings, shapes its file: when it changes, the cart gets a full send. */
export function settingsHash(cart: LoadedCart): string {
  const c = cart.config;
  const relevant = {
    ...cartRules(cart),
    mapping: cart.output.text,
    filename: c.output.filename,
    // the partner's envelope (X12) shapes the file too
    ...envelopeSettings(cart),
  };
  return createHash("sha256").update(JSON.stringify(relevant)).digest("hex").slice(0, 16);
}

/** The cart's envelope settings under their key (`{ x12: ... }`), where its format has one. */
function envelopeSettings(cart: LoadedCart): Record<string, unknown> {
  const e = cartEnvelope(cart);
  return e ? { [e.envelope.key]: e.settings } : {};
}

const PREVIEW_ROWS = 10;

/** Rule 4 and 10 decide; rules 5-9 and 15 compute; the file is written whole, then published. */
export function syncCart(ctx: StageContext, cart: LoadedCart): Promise<CartReport> {
  return timed(() => syncCartUntimed(ctx, cart));
}

/** Rules 4 and 10 over recorded state: would this cart be sent a file now, and why. */
export async function cartSyncDecision(
  store: Store,
  cart: LoadedCart,
  opts: { sendAllSatisfied?: boolean } = {},
): Promise<{ decision: SyncDecision; text: string; hash: string; newest: number | null }> {
  const hash = settingsHash(cart);
  const last = await store.carts.lastDelivered(cart.merchant, cart.config.id);
  // a cart file carrying product details (price, weight...) also has news when the WMS's product file changed
  const newestProducts =
    detailFields(cart).length > 0 ? await store.products.newestProductFile(cart.merchant, cart.warehouse) : null;
  const inventory = await store.inventory.newestInventoryFile(cart.merchant, cart.warehouse);
  const newest = newestProducts !== null && inventory !== null ? Math.max(inventory, newestProducts) : inventory;
  const decision = decideSync({
    inventoryUpload: cart.config.inventoryUpload,
    // a file delivered from the outbox in this run is this run's file for a send-all cart
    sendAll: cart.sendAll && !opts.sendAllSatisfied,
    hasInventory: await store.inventory.hasInventory(cart.merchant, cart.warehouse),
    newestInventoryFileId: newest,
    lastSyncedInventoryFileId: last ? (last.inventory_file_id ?? 0) : null,
    settingsChanged: !!last && last.settings_hash !== hash,
  });
  const text = decision.sync ? SYNC_REASON_TEXT[decision.reason] : SKIP_REASON_TEXT[decision.reason];
  return { decision, text, hash, newest };
}

/**
 * The computation every cart file and `diff` share: rules 5-9 and 15, as a handle on the lines
 * (close it). `onlyChanged` (the settings hash): only the lines that changed, where the store
 * can tell them (lines.restricted), for a patch of the last file.
 */
export function computeCartLines(store: Store, cart: LoadedCart, onlyChanged?: string): Promise<CartLines> {
  // what a line carries besides code and quantity follows from the mapping (already in the settings hash)
  const carries = { available: cart.output.fields.includes("available"), asOf: cart.output.fields.includes("asOf") };
  const c = { merchant: cart.merchant, cart: cart.config.id, ...cartRules(cart), carries };
  return store.carts.compute(c, { onlyChanged });
}

function blankCartReport(cart: LoadedCart): CartReport {
  return {
    merchant: cart.merchant,
    cart: cart.config.id,
    action: "skipped",
    reason: "",
    reasonText: "",
    rows: 0,
    units: 0,
    skipped: { ...NO_SKIPS },
    skippedExamples: [],
    delivered: [],
    outboxDeliveries: [],
    ms: 0,
  };
}

/**
 * Files an earlier run rendered but could not deliver go first, unchanged (same name, same control numbers); false when
 * one still fails.
 */
async function deliverWaiting(ctx: StageContext, cart: LoadedCart, report: CartReport): Promise<boolean> {
  const pending = await ctx.store.carts.pendingDeliveries(cart.merchant, cart.config.id);
  const madeAt = new Map(pending.map((p) => [p.id, p.synced_at]));
  const round = await deliverOutbox(
    ctx,
    cartOutbox(ctx, cart),
    pending.map((p) => ({ id: p.id, name: p.file_name, path: p.outbox_path })),
  );
  for (const d of round.delivered) {
    report.delivered.push(d.name);
    report.outboxDeliveries.push({
      file: d.name,
      madeAt: isoUtc(madeAt.get(d.waiting.id)!),
      deliveredAt: isoUtc(ctx.now),
    });
  }
  if (!round.failure) return true;
  Object.assign(report, {
    action: "failed",
    file: round.failure.waiting.name,
    error: `${round.failure.error}; an earlier file is still waiting in the outbox, so no new one was made`,
    fault: round.failure.fault,
  });
  return false;
}

/** A cart's outbox: files in order (a lost or failed one stops the round), kept or removed once delivered. */
function cartOutbox(ctx: StageContext, cart: LoadedCart): Outbox {
  const carts = ctx.store.carts;
  return {
    what: "cart file",
    where: { merchant: cart.merchant, cart: cart.config.id },
    destination: cart.config.output.destination,
    afterPublish: "sync:after-publish",
    delivered: (w, d) => carts.markDelivered(w.id, { fileName: d.name, location: d.location, at: d.at }),
    failed: (w, message) => carts.deliveryFailed(w.id, message),
    lost: (w, message) => carts.deliveryLost(w.id, `${message}; the cart gets a new file`),
    afterDelivered: (w) => keepOrRemove(ctx, cart, { id: w.id, outbox_path: w.path }),
    stopAt: { lost: true, failure: true },
    said: {
      delivered: "cart file delivered",
      failed: "cart file not delivered; retried next run",
      lost: "outbox file missing: not delivered; a new file will be made",
    },
  };
}

async function syncCartUntimed(ctx: StageContext, cart: LoadedCart): Promise<CartReport> {
  const { store } = ctx;
  const c = cart.config;
  const report = blankCartReport(cart);
  if (!ctx.dryRun && !(await deliverWaiting(ctx, cart, report))) return report;
  const { decision, text, hash, newest } = await cartSyncDecision(store, cart, {
    sendAllSatisfied: report.delivered.length > 0,
  });
  Object.assign(report, { reason: decision.reason, reasonText: text });
  if (!decision.sync) {
    ctx.log.info({ merchant: cart.merchant, cart: c.id, reason: decision.reason }, "cart not synced");
    return report;
  }

  // what the file's record carries however the file is made
  const filed: FiledAs = {
    runId: ctx.runId,
    merchant: cart.merchant,
    cart: c.id,
    syncedAt: ctx.now,
    reason: decision.reason,
    inventoryFileId: newest,
    settingsHash: hash,
    stateAt: await store.inventory.dataStamp(cart.merchant),
  };
  if (!ctx.dryRun && decision.reason === "send-all") {
    const repeated = await repeatLastFile(ctx, cart, filed, report);
    if (repeated) return deliverNew(ctx, cart, repeated, report);
  }

  const t0 = performance.now();
  const patching = !ctx.dryRun && ctx.patch !== false && patchable(cart);
  let lines = await computeCartLines(store, cart, patching ? hash : undefined);
  let rendered: { syncId: number; local: string } | undefined;
  let t1 = performance.now();
  try {
    await describeLines(ctx, cart, lines, report);
    if (ctx.dryRun) return await preview(ctx, cart, lines, report);
    const patched = patching ? await patchFile(ctx, cart, lines, filed, report) : "not patchable";
    if (typeof patched === "object") {
      rendered = patched;
      if (lines.restricted) report.fromChanges = true;
    } else if (patched === "failed" || lines.restricted) {
      // the last file could not be patched after all: every line is computed (again), to render
      await lines.close();
      lines = await computeCartLines(store, cart);
      t1 = performance.now();
      await describeLines(ctx, cart, lines, report);
    }
    rendered ??= await renderFile(ctx, cart, lines, filed, report);
  } finally {
    await lines.close();
  }
  if (!rendered) return report;
  return deliverNew(ctx, cart, { ...rendered, computeMs: t1 - t0, renderMs: performance.now() - t1 }, report);
}

/** The computed lines' totals and the products left out, into the report and the log. */
async function describeLines(ctx: StageContext, cart: LoadedCart, lines: CartLines, report: CartReport): Promise<void> {
  const computed = lines.totals();
  Object.assign(report, { rows: computed.rows, units: computed.units, skipped: { ...computed.skipped } });
  report.skippedExamples = [];
  const skippedTotal = Object.values(computed.skipped).reduce((a, b) => a + b, 0);
  if (skippedTotal === 0) return;
  report.skippedExamples = (await lines.examples(SKIPPED_EXAMPLES)).map((r) => ({
    sku: r.sku,
    code: r.code,
    reason: r.skip,
  }));
  ctx.log.info(
    { merchant: cart.merchant, cart: cart.config.id, ...computed.skipped },
    "products left out of the cart's file",
  );
}

/** A dry run: the name the file would take and its first lines. */
async function preview(ctx: StageContext, cart: LoadedCart, lines: CartLines, report: CartReport): Promise<CartReport> {
  const c = cart.config;
  const seq = await ctx.store.carts.nextSeq(cart.merchant, c.id);
  report.file = renderFileName(c.output.filename, { merchant: cart.merchant, cart: c.id, now: ctx.now, seq });
  report.action = "would-send";
  report.preview = [];
  for await (const r of lines.rows()) {
    report.preview.push({ code: r.code, quantity: r.quantity });
    if (report.preview.length >= PREVIEW_ROWS) break;
  }
  return report;
}

/**
 * Writes the cart's file into the outbox and records it, in one transaction: a failure (or a
 * crash) before the commit uses up no {seq} and no control number; after it, the file waits in
 * the outbox until delivered. Undefined (and the report says why) when it could not be written.
 */
async function renderFile(
  ctx: StageContext,
  cart: LoadedCart,
  lines: CartLines,
  filed: FiledAs,
  report: CartReport,
): Promise<{ syncId: number; local: string } | undefined> {
  await delayPoint("sync:before-render");
  faultPoint("sync:before-render");
  try {
    return await writeOutboxFile(ctx, cart, lines, filed, report, (writer) =>
      writeLines(ctx.store, cart, lines, writer),
    );
  } catch (e) {
    // anything but a known fault (a full outbox disk...) is a bug: on to the CLI, exit 3
    const f = faultOrThrow(e, "processing", report.file);
    Object.assign(report, { action: "failed", error: f.message, fault: f });
    await ctx.store.carts.recordFailedSync({ ...filed, fileName: report.file ?? null, error: f.message });
    ctx.log.error(
      { merchant: cart.merchant, cart: cart.config.id, err: report.error },
      "cart file could not be written",
    );
    return undefined;
  }
}

/** The lines through the cart's writer, a page at a time; the ones its format cannot carry, with why. */
async function writeLines(
  store: Store,
  cart: LoadedCart,
  lines: CartLines,
  writer: RecordWriter,
): Promise<Unsendable[]> {
  const unsendable: Unsendable[] = [];
  const asOfText = asOfTexts();
  const details = productDetails(store, cart);
  const want = { available: cart.output.fields.includes("available"), asOf: cart.output.fields.includes("asOf") };
  for await (const page of lines.pages(want)) {
    const detailsOf = details && (await details(page.map((l) => l[1])));
    for (const [code, sku, quantity, available, asOf] of page) {
      faultPoint("sync:mid-render");
      const line = lineRecord({ code, sku, quantity, available }, asOfText(asOf));
      const written = writer.write(cart.output.row(detailsOf ? { ...detailsOf(sku), ...line } : line));
      const left = written instanceof Promise ? await written : written;
      if (left !== undefined) unsendable.push({ code, sku, quantity, reason: left });
    }
  }
  return unsendable;
}

/** A file recorded in the outbox by this run: published now (a failure leaves it waiting there). */
async function deliverNew(
  ctx: StageContext,
  cart: LoadedCart,
  r: { syncId: number; local: string; computeMs: number; renderMs: number },
  report: CartReport,
): Promise<CartReport> {
  faultPoint("sync:after-render");
  const t2 = performance.now();
  const round = await deliverOutbox(ctx, cartOutbox(ctx, cart), [{ id: r.syncId, name: report.file!, path: r.local }]);
  report.stages = {
    computeMs: Math.round(r.computeMs),
    renderMs: Math.round(r.renderMs),
    deliverMs: Math.round(performance.now() - t2),
  };
  if (round.failure) {
    report.action = "failed";
    report.error = `${round.failure.error}; the file waits in the outbox and is delivered as it is on the next run`;
    report.fault = round.failure.fault;
  } else {
    report.action = "sent";
    report.file = round.delivered[0].name;
    report.location = round.delivered[0].location;
  }
  return report;
}
