import { createHash, randomUUID } from "node:crypto";
import { faultOrThrow, type ReportedError } from "../faults.js";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedCart, LoadedMerchant, LoadedWarehouse } from "../config/load.js";
import type { RecordWriter } from "../formats/index.js";
import { PRICE_FIELDS } from "../mapping/kinds.js";
import { faultPoint } from "../util/fault.js";
import type { StageContext } from "./context.js";
import { clearStrays, deliverOutbox, type Outbox } from "./outbox.js";
import { renderFileName } from "./sync.js";

/** import: the whole catalog, once, on request; sync: new products (and changed ones with downloadUpdates) */
export type ProductMode = "import" | "sync";

export interface ProductReport {
  merchant: string;
  cart: string;
  warehouse: string | null;
  mode: ProductMode;
  action: "sent" | "would-send" | "nothing-to-send" | "failed";
  /** why nothing was sent, or what failed */
  reason?: string;
  file?: string;
  location?: string;
  /** products in the file */
  products: number;
  newProducts: number;
  updatedProducts: number;
  /** products already sent with the same content (or changed, without downloadUpdates) */
  unchanged: number;
  /** whether price columns were written (productSync.syncPrice) */
  priceIncluded: boolean;
  /** files an earlier run made and could not deliver, delivered now */
  delivered: string[];
  /** the first products of the file (dry runs) */
  preview?: Array<{ sku: string; change: "new" | "updated" | "import"; name: string }>;
  error?: string;
  /** the error as data (stage, kind, retriable) */
  fault?: ReportedError;
}

const PREVIEW = 20;

function outboxDir(ctx: StageContext, merchant: string, warehouse: string): string {
  return ctx.workDir.productOutbox(merchant, warehouse);
}

/**
 * Product sync, cart to WMS (seeds/product-sync.txt): the cart's catalog products become a
 * product file in the WMS's format, sent to the cart's inventory location. `import` sends
 * every product; `sync` sends those the WMS was never sent, and with downloadUpdates those
 * whose content (the file's columns) changed since. Prices go only with syncPrice.
 * The file and the products it sends are recorded in one transaction; it then waits in the
 * outbox until delivered, so a product is never sent twice nor lost.
 */
export async function syncProducts(
  ctx: StageContext,
  merchant: LoadedMerchant,
  cart: LoadedCart,
  mode: ProductMode,
): Promise<ProductReport> {
  const report = blankProductReport(cart, mode);
  const warehouse = merchant.warehouses.find((w) => w.config.id === cart.productLocation);
  if (!warehouse?.productOutput) {
    return {
      ...report,
      action: "failed",
      error: `no warehouse to send products to: give a warehouse of merchant ${cart.merchant} a productOutput (and the cart productSync.inventoryLocation when several have one)`,
    };
  }
  if (!ctx.dryRun) {
    const pending = await deliverPending(ctx, warehouse);
    report.delivered = pending.delivered;
    if (pending.error)
      return {
        ...report,
        action: "failed",
        error: `${pending.error}; an earlier product file is still waiting in the outbox, so no new one was made`,
        fault: pending.fault,
      };
  }
  const { headers, chosen, catalogSize } = await chooseProducts(ctx, cart, warehouse, mode, report);
  if (catalogSize === 0)
    return {
      ...report,
      reason: cart.catalog
        ? "the cart's catalog has not arrived yet (no catalog file loaded)"
        : `cart ${cart.config.id} has no catalog feed`,
    };
  if (chosen.length === 0)
    return {
      ...report,
      reason: cart.config.productSync?.downloadUpdates
        ? "no new or changed products since the last product file"
        : "no new products since the last product file (downloadUpdates is off: changed ones are not sent)",
    };
  const file = { seq: await ctx.store.products.nextSeq(cart.merchant, warehouse.config.id), name: "" };
  file.name = renderFileName(warehouse.productOutput.config.filename, {
    merchant: cart.merchant,
    cart: cart.config.id,
    warehouse: warehouse.config.id,
    now: ctx.now,
    seq: file.seq,
  });
  report.file = file.name;
  if (ctx.dryRun)
    return {
      ...report,
      action: "would-send",
      preview: chosen.slice(0, PREVIEW).map((c) => ({ sku: c.sku, change: c.change, name: c.name })),
    };
  const failed = await writeProductFile(ctx, cart, warehouse, mode, { ...file, headers, chosen }, report);
  if (failed) return failed;
  const sentNow = await deliverPending(ctx, warehouse);
  if (sentNow.error)
    return {
      ...report,
      action: "failed",
      error: `${sentNow.error}; the product file waits in the outbox and is delivered as it is on the next run`,
      fault: sentNow.fault,
    };
  const mine = sentNow.files.find((f) => f.asked === file.name);
  return { ...report, action: "sent", file: mine?.name ?? file.name, location: mine?.location };
}

function blankProductReport(cart: LoadedCart, mode: ProductMode): ProductReport {
  return {
    merchant: cart.merchant,
    cart: cart.config.id,
    warehouse: cart.productLocation,
    mode,
    action: "nothing-to-send",
    products: 0,
    newProducts: 0,
    updatedProducts: 0,
    unchanged: 0,
    priceIncluded: !!cart.config.productSync?.syncPrice,
    delivered: [],
  };
}

/** A product the file will carry: its values in the WMS's columns and the hash recorded for it. */
interface ChosenProduct {
  sku: string;
  hash: string;
  values: string[];
  name: string;
  change: "new" | "updated" | "import";
}

/**
 * The catalog's products the WMS gets: every one for an import; for a sync, those it was never
 * sent and, with downloadUpdates, those whose columns changed. Counts them in the report.
 */
async function chooseProducts(
  ctx: StageContext,
  cart: LoadedCart,
  warehouse: LoadedWarehouse,
  mode: ProductMode,
  report: ProductReport,
): Promise<{ headers: string[]; chosen: ChosenProduct[]; catalogSize: number }> {
  const ps = cart.config.productSync;
  const out = warehouse.productOutput!;
  const store = ctx.store.products;
  // rule: price travels only with syncPrice (the columns are left out, not sent empty)
  const keep = out.mapping.fields.map(
    (f) => ps?.syncPrice || f === undefined || !(PRICE_FIELDS as readonly string[]).includes(f),
  );
  const headers = out.mapping.headers.filter((_, i) => keep[i]);
  const sent = await store.sentHashes(cart.merchant, warehouse.config.id);
  const chosen: ChosenProduct[] = [];
  let catalogSize = 0;
  for await (const row of store.catalogProducts(cart.merchant, cart.config.id)) {
    catalogSize++;
    const product = row.product ? (JSON.parse(row.product) as Record<string, unknown>) : { sku: row.sku };
    const values = out.mapping.row(product).filter((_, i) => keep[i]);
    // the content hash is over what the WMS receives: a field it is not sent cannot make a product "changed"
    const hash = createHash("sha256")
      .update(JSON.stringify([headers, values]))
      .digest("hex");
    const before = sent.get(row.sku);
    const change =
      mode === "import"
        ? "import"
        : before === undefined
          ? "new"
          : ps?.downloadUpdates && before !== hash
            ? "updated"
            : undefined;
    if (!change) {
      report.unchanged++;
      continue;
    }
    chosen.push({ sku: row.sku, hash, values, name: typeof product.name === "string" ? product.name : "", change });
  }
  report.newProducts = chosen.filter((c) => c.change === "new").length;
  report.updatedProducts = chosen.filter((c) => c.change === "updated").length;
  report.products = chosen.length;
  return { headers, chosen, catalogSize };
}

/**
 * Writes the product file into the outbox and records it with its products in one
 * transaction; undefined when it is, else the failed report (nothing is left behind).
 */
async function writeProductFile(
  ctx: StageContext,
  cart: LoadedCart,
  warehouse: LoadedWarehouse,
  mode: ProductMode,
  file: { name: string; seq: number; headers: string[]; chosen: ChosenProduct[] },
  report: ProductReport,
): Promise<ProductReport | undefined> {
  const out = warehouse.productOutput!;
  const { name, seq, headers, chosen } = file;
  const dir = outboxDir(ctx, cart.merchant, warehouse.config.id);
  await mkdir(dir, { recursive: true });
  // a unique outbox name: a file a killed run left here (never recorded) cannot be mistaken for this one
  const local = join(dir, `${randomUUID()}-${name}`);
  let writer: RecordWriter | undefined;
  try {
    writer = await out.mapping.format.createWriter(local, headers, out.mapping.writerOptions, {
      now: ctx.now,
      plannedRecords: chosen.length,
    });
    for (const c of chosen) {
      const left = writer.write(c.values);
      const reason = left instanceof Promise ? await left : left;
      if (reason !== undefined) throw new Error(`product ${c.sku} cannot be written in the WMS's format: ${reason}`);
    }
    await writer.close();
    writer = undefined;
    faultPoint("products:before-record");
    await ctx.store.transaction(() =>
      ctx.store.products.recordProductFile(
        {
          runId: ctx.runId,
          merchant: cart.merchant,
          cart: cart.config.id,
          warehouse: warehouse.config.id,
          mode,
          name,
          outboxPath: local,
          seq,
          newProducts: report.newProducts,
          updatedProducts: report.updatedProducts,
          createdAt: ctx.now,
        },
        chosen,
      ),
    );
  } catch (e) {
    await writer?.abort();
    await rm(local, { force: true });
    const fault = faultOrThrow(e, "processing", local);
    ctx.log.error(
      { merchant: cart.merchant, cart: cart.config.id, err: fault.message },
      "product file could not be written",
    );
    return { ...report, action: "failed", error: fault.message, fault };
  }
  ctx.log.info(
    {
      merchant: cart.merchant,
      cart: cart.config.id,
      warehouse: warehouse.config.id,
      file: name,
      products: chosen.length,
      new: report.newProducts,
      updated: report.updatedProducts,
    },
    "product file made",
  );
  return undefined;
}

/**
 * Delivers the warehouse's product files that wait in the outbox, oldest first; stops at
 * the first failure (files go in order). Outbox files no record points at (a run killed
 * between writing and recording) are removed.
 */
async function deliverPending(
  ctx: StageContext,
  warehouse: LoadedWarehouse,
): Promise<{
  delivered: string[];
  files: Array<{ asked: string; name: string; location: string }>;
  error?: string;
  fault?: ReportedError;
}> {
  const store = ctx.store.products;
  const pending = (await store.pendingFiles(warehouse.merchant, warehouse.config.id)).map((p) => ({
    id: p.id,
    name: p.name,
    path: p.outbox_path,
  }));
  await clearStrays(outboxDir(ctx, warehouse.merchant, warehouse.config.id), pending);
  const round = await deliverOutbox(ctx, productOutbox(ctx, warehouse), pending);
  return {
    delivered: round.delivered.map((d) => d.name),
    files: round.delivered.map((d) => ({ asked: d.waiting.name, name: d.name, location: d.location })),
    ...(round.failure ? { error: round.failure.error, fault: round.failure.fault } : {}),
  };
}

/** A WMS's product outbox: files in order (a failure stops the round; a lost file's products count as unsent). */
function productOutbox(ctx: StageContext, warehouse: LoadedWarehouse): Outbox {
  const store = ctx.store.products;
  return {
    what: "product file",
    where: { merchant: warehouse.merchant, warehouse: warehouse.config.id },
    destination: warehouse.productOutput!.config.destination,
    afterPublish: "products:after-publish",
    delivered: (w, d) => store.delivered(w.id, d),
    failed: (w, message) => store.deliveryFailed(w.id, message),
    lost: (w, message) => store.lost(w.id, message),
    afterDelivered: (w) => rm(w.path, { force: true }),
    stopAt: { lost: false, failure: true },
    said: {
      delivered: "product file delivered",
      failed: "product file not delivered; retried next run",
      lost: "product file missing from the outbox: its products count as unsent and go in the next file",
    },
  };
}
