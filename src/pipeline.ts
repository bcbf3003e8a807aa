import { findCart, type Feed, type LoadedCart, type LoadedConfig } from "./config/load.js";
import { UsageError } from "./errors.js";
import { countFaults, faultOrThrow, type ReportedError } from "./faults.js";
import { silentLogger, type Logger } from "./log.js";
import type { StageContext } from "./stages/context.js";
import { collectFeed, type FeedOwner, type FileReport } from "./stages/collect.js";
import { syncCart, type CartReport } from "./stages/sync.js";
import { syncProducts, type ProductReport } from "./stages/products.js";
import { openStore, type Store } from "./state/store.js";
import { Connections } from "./transports/connections.js";
import { isoUtc } from "./util/time.js";
import { WorkDir } from "./workdir.js";

export interface RunOptions {
  /** only these carts are synced (files are still collected for everyone) */
  carts?: string[];
  /** which feeds to collect (default: all); the daemon collects each merchant's on its own interval */
  feeds?: (feed: Feed) => boolean;
  /** false: collect only, sync no cart */
  sync?: boolean;
  /** asked between files and between carts: true stops the run there (SIGTERM), with what is done recorded */
  stopping?: () => boolean;
  /** called as work advances (files taken, rows loaded, carts done): the terminal's progress line */
  progress?: (p: RunProgress) => void;
  /** compute and report, write and move nothing */
  dryRun?: boolean;
  /** false: every cart file is rendered whole, never patched from the last one (what a patched file must equal) */
  patch?: boolean;
  /** product-import: send this cart's whole catalog to its inventory location's WMS (no cart is synced) */
  productImport?: { cart: string; merchant?: string };
  now?: () => number;
  log?: Logger;
}

export interface RunProgress {
  files: number;
  rows: number;
  carts: number;
  cartsTotal: number;
  current: string;
}

export interface RunReport {
  runId: number;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  files: FileReport[];
  carts: CartReport[];
  /** product files for WMSs (product sync and product import) */
  products: ProductReport[];
  /** problems not tied to one file or cart (a source that cannot be listed...) */
  errors: string[];
  /** the run's faults counted by stage and kind ("receiving/transfer_failed": 2) */
  faults: Record<string, number>;
  /** 0 all well; 1 something was rejected or failed and the rest was done */
  exitCode: 0 | 1;
  /** the run stopped early because it was asked to (SIGTERM); the rest is for the next run */
  stopped?: boolean;
}

function selectCarts(config: LoadedConfig, ids: string[] | undefined): LoadedCart[] {
  const all = config.merchants.flatMap((m) => m.carts);
  if (!ids || ids.length === 0) return all;
  const unknown = ids.filter((id) => !all.some((c) => c.config.id === id));
  if (unknown.length)
    throw new UsageError(
      `no cart ${unknown.map((u) => JSON.stringify(u)).join(", ")} in ${config.file} ` +
        `(carts: ${all.map((c) => c.config.id).join(", ")})`,
    );
  return all.filter((c) => ids.includes(c.config.id));
}

/** Opens the state; a dry run's keeps nothing (a throwaway copy, or a transaction rolled back). */
async function openState(
  config: LoadedConfig,
  dryRun: boolean,
): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const store = await openStore(config.state, { dryRun });
  return { store, cleanup: () => store.close() };
}

/** The feeds of a run, in the order they load: aliases and catalogs, inventory, then orders. */
export function feedsInOrder(config: LoadedConfig): Array<{ feed: Feed; owner: FeedOwner }> {
  const out: Array<{ feed: Feed; owner: FeedOwner }> = [];
  for (const m of config.merchants) {
    if (m.aliases) out.push({ feed: m.aliases, owner: { merchant: m.config.id } });
    for (const k of m.carts)
      if (k.catalog) out.push({ feed: k.catalog, owner: { merchant: m.config.id, cart: k.config.id } });
    // a WMS's product master is not inventory: it is read whatever rule 11 says
    for (const w of m.warehouses)
      if (w.products) out.push({ feed: w.products, owner: { merchant: m.config.id, warehouse: w.config.id } });
    // rule 11: with inventory sync off, warehouse files are left untouched
    if (m.config.inventorySync !== "off")
      for (const w of m.warehouses)
        out.push({
          feed: w.inventory,
          owner: { merchant: m.config.id, warehouse: w.config.id, fullSnapshot: w.config.snapshot === "full" },
        });
    for (const k of m.carts)
      if (k.orders) out.push({ feed: k.orders, owner: { merchant: m.config.id, cart: k.config.id } });
  }
  return out;
}

/** One pass: collect and load every new file, then sync the carts that need it. */
export async function runOnce(config: LoadedConfig, options: RunOptions = {}): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger;
  const dryRun = !!options.dryRun;
  const carts = options.sync === false ? [] : selectCarts(config, options.carts);
  const stopping = options.stopping ?? (() => false);
  const startedAt = now();
  const { store, cleanup } = await openState(config, dryRun);
  const connections = new Connections();
  const report: RunReport = {
    runId: 0,
    dryRun,
    startedAt: isoUtc(startedAt),
    finishedAt: "",
    files: [],
    carts: [],
    products: [],
    errors: [],
    faults: {},
    exitCode: 0,
  };
  const feedFaults: ReportedError[] = [];
  try {
    const runId = await store.ledger.startRun(startedAt);
    report.runId = runId;
    const progress = { files: 0, rows: 0, carts: 0, cartsTotal: carts.length, current: "" };
    const onFile = (f: { name: string; rowsRead: number }) => {
      progress.files++;
      progress.rows += f.rowsRead;
      progress.current = f.name;
      options.progress?.({ ...progress });
    };
    const ctx: StageContext = {
      store,
      workDir: new WorkDir(config.workDir),
      runId,
      now: startedAt,
      dryRun,
      patch: options.patch ?? true,
      log,
      connections,
      stopping,
      onFile,
    };
    for (const { feed, owner } of feedsInOrder(config).filter((f) => options.feeds?.(f.feed) ?? true)) {
      if (stopping()) break;
      try {
        report.files.push(...(await collectFeed(ctx, feed, owner)));
      } catch (e) {
        // a source that cannot be listed is this feed's fault; anything else is a bug (exit 3)
        const fault = faultOrThrow(e, "receiving");
        report.errors.push(`${feed.sourceKey}: ${fault.message}`);
        feedFaults.push(fault);
      }
    }
    // product sync rides on the cart's job (its schedule); product-import is asked for by hand.
    // It goes before the cart files: the WMS learns new products without waiting for every
    // cart's render, and a run's last act stays a cart's delivery
    const productCarts = options.productImport
      ? [findCart(config, options.productImport.cart, options.productImport.merchant)]
      : carts.filter((c) => c.config.productSync?.enabled);
    for (const cart of productCarts) {
      if (stopping()) break;
      const merchant = config.merchants.find((m) => m.config.id === cart.merchant)!;
      report.products.push(
        await syncProducts({ ...ctx, now: now() }, merchant, cart, options.productImport ? "import" : "sync"),
      );
    }
    for (const cart of carts) {
      if (stopping()) break;
      progress.current = cart.config.id;
      options.progress?.({ ...progress });
      report.carts.push(await syncCart({ ...ctx, now: now() }, cart));
      progress.carts++;
      options.progress?.({ ...progress });
    }
    if (stopping()) report.stopped = true;

    const problems =
      report.errors.length > 0 ||
      report.files.some((f) => f.status === "failed" || f.status === "loaded_with_rejects") ||
      report.carts.some((c) => c.action === "failed") ||
      // lines a cart's format cannot carry are left out: the cart is missing them (a problem to fix)
      report.carts.some((c) => c.skipped.unsendable > 0) ||
      report.products.some((p) => p.action === "failed");
    report.exitCode = problems ? 1 : 0;
    report.faults = countFaults([
      ...feedFaults,
      ...report.files.map((f) => f.fault),
      ...report.carts.map((c) => c.fault),
      ...report.products.map((p) => p.fault),
    ]);
    report.finishedAt = isoUtc(now());
    await store.ledger.finishRun(runId, now(), problems ? "with_problems" : "ok", {
      files: report.files.map((f) => ({
        name: f.name,
        source: f.source,
        status: f.status,
        rows: f.rowsRead,
        rejected: f.rowsRejected,
      })),
      carts: report.carts.map((c) => ({
        merchant: c.merchant,
        cart: c.cart,
        action: c.action,
        reason: c.reason,
        file: c.file,
        rows: c.rows,
        delivered: c.outboxDeliveries.length ? c.outboxDeliveries : undefined,
        error: c.error,
      })),
      ...(report.products.length
        ? {
            products: report.products.map((p) => ({
              cart: p.cart,
              warehouse: p.warehouse,
              mode: p.mode,
              action: p.action,
              file: p.file,
              products: p.products,
              error: p.error,
            })),
          }
        : {}),
      errors: report.errors,
      faults: report.faults,
      ...(report.stopped ? { stopped: true } : {}),
    });
    return report;
  } finally {
    await connections.closeAll();
    await cleanup();
  }
}
