import { findCart, loadConfig, type LoadedConfig } from "../config/load.js";
import type { Logger } from "../log.js";
import { runOnce, type RunOptions, type RunProgress, type RunReport } from "../pipeline.js";
import { acquireStateLock } from "../state/store.js";
import { describeRecordError } from "../errors.js";
import type { FileReport } from "../stages/collect.js";
import { printJson, table, type Io } from "./output.js";

export interface RunArgs {
  config: string;
  cart?: string[];
  dryRun?: boolean;
  json?: boolean;
  now?: string;
}

const SKIP_TEXT = {
  "no-alias": "without the cart's alias",
  "duplicate-alias": "alias code shared by several products",
  "inventory-disabled": "inventory disabled in the cart",
  unsendable: "a value the cart's file format cannot carry",
};

/** What a file loaded: an inventory file's lines and the SKUs they summed to (rule 2), else its records. */
function loadedText(f: FileReport): string {
  if (f.kind !== "inventory" || f.status === "failed" || f.status === "duplicate") return String(f.rowsLoaded);
  return `lines ${f.linesLoaded}, SKUs ${f.rowsLoaded}`;
}

export function formatRunReport(r: RunReport): string {
  const out: string[] = [
    `stockfeed run ${r.runId} at ${r.startedAt}${r.dryRun ? " (dry run: nothing written, moved or recorded)" : ""}`,
    "",
  ];
  if (r.files.length === 0) out.push("Files: none waiting.");
  else {
    out.push("Files");
    out.push(
      table(
        ["source", "file", "status", "lines", "loaded", "rejected", "warned", "stale", "zeroed"],
        r.files.map((f) => [
          f.source,
          f.name,
          f.status,
          f.rowsRead,
          loadedText(f),
          f.rowsRejected,
          f.rowsWarned,
          f.rowsStale,
          f.rowsZeroed,
        ]),
      ),
    );
    for (const f of r.files) {
      if (f.error) out.push(`  ${f.name}: ${f.error}${f.storedAt ? ` (quarantined: ${f.storedAt})` : ""}`);
      if (f.duplicateOf) out.push(`  ${f.name}: same bytes as ${f.duplicateOf}, not loaded again`);
      for (const n of f.notes ?? []) out.push(`  ${f.name}: note: ${n}`);
      for (const e of f.rejects)
        out.push(`  ${e.severity === "warning" ? "warning" : "reject"} ${describeRecordError(e)}`);
      if (f.rowsRejected > f.rejects.length)
        out.push(`  ... ${f.rowsRejected - f.rejects.length} more rejected line(s)`);
      for (const e of f.warnings) out.push(`  warning ${describeRecordError(e)}`);
      if (f.rowsWarned > f.warnings.length)
        out.push(`  ... ${f.rowsWarned - f.warnings.length} more line(s) with a warning`);
      if (f.rejectsFile) out.push(`  all rejects of ${f.name}: ${f.rejectsFile}`);
      if (f.rowsStale > 0)
        out.push(`  ${f.name}: ${f.rowsStale} SKU level(s) older than what is loaded: kept as history, not applied`);
    }
  }
  out.push("");
  if (r.carts.length > 0) {
    out.push("Carts");
    out.push(
      table(
        ["merchant", "cart", "action", "why", "file", "lines", "units", "left out"],
        r.carts.map((c) => [
          c.merchant,
          c.cart,
          c.action,
          c.reasonText,
          c.file ?? "",
          c.rows,
          c.units,
          Object.values(c.skipped).reduce((a, b) => a + b, 0),
        ]),
      ),
    );
    for (const c of r.carts) {
      for (const [k, n] of Object.entries(c.skipped)) {
        if (n === 0) continue;
        const examples = c.skippedExamples
          .filter((e) => e.reason === k)
          .map((e) => (e.code && e.code !== e.sku ? `${e.sku} as ${e.code}` : e.sku))
          .slice(0, 5);
        out.push(
          `  ${c.cart}: ${n} product(s) left out: ${SKIP_TEXT[k as keyof typeof SKIP_TEXT]}` +
            (examples.length ? ` (e.g. ${examples.join(", ")})` : ""),
        );
      }
      for (const d of c.outboxDeliveries)
        out.push(
          `  ${c.cart}: delivered ${d.file} from the outbox at ${d.deliveredAt} ` +
            `(made ${d.madeAt}, it had waited there)`,
        );
      if (c.repeated)
        out.push(`  ${c.cart}: nothing loaded since ${c.repeated}: its lines sent again in a new file, not recomputed`);
      if (c.patched)
        out.push(
          `  ${c.cart}: made from ${c.patched} with the ${c.linesChanged ?? 0} line(s) that changed patched in` +
            (c.fromChanges ? " (only those lines computed)" : ""),
        );
      if (c.error) out.push(`  ${c.cart}: ${c.error}`);
      if (c.location) out.push(`  ${c.cart}: ${c.location}`);
      if (c.preview) for (const p of c.preview) out.push(`  ${c.cart}: would send ${p.code} = ${p.quantity}`);
      if (c.preview && c.rows > c.preview.length) out.push(`  ${c.cart}: ... ${c.rows - c.preview.length} more lines`);
    }
  }
  if (r.products.length > 0) {
    out.push("", "Products (cart to WMS)");
    out.push(
      table(
        ["cart", "to warehouse", "mode", "action", "file", "products", "new", "updated", "unchanged", "price"],
        r.products.map((p) => [
          p.cart,
          p.warehouse ?? "",
          p.mode,
          p.action,
          p.file ?? "",
          p.products,
          p.newProducts,
          p.updatedProducts,
          p.unchanged,
          p.priceIncluded ? "yes" : "left out",
        ]),
      ),
    );
    for (const p of r.products) {
      if (p.reason) out.push(`  ${p.cart}: ${p.reason}`);
      if (p.error) out.push(`  ${p.cart}: ${p.error}`);
      if (p.delivered.length) out.push(`  ${p.cart}: delivered from the outbox: ${p.delivered.join(", ")}`);
      if (p.location) out.push(`  ${p.cart}: ${p.location}`);
      for (const x of p.preview ?? []) out.push(`  ${p.cart}: would send ${x.sku} (${x.change}) ${x.name}`);
      if (p.preview && p.products > p.preview.length)
        out.push(`  ${p.cart}: ... ${p.products - p.preview.length} more products`);
    }
  }
  for (const e of r.errors) out.push(`error: ${e}`);
  const faults = Object.entries(r.faults ?? {});
  if (faults.length) out.push(`Faults by stage and kind: ${faults.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  return out.join("\n");
}

/** A one-line progress display on a terminal's stderr, redrawn at most 10 times a second. */
function terminalProgress(): { update: (p: RunProgress) => void; done: () => void } {
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(
        `\r\x1b[Kfiles ${p.files}  rows ${p.rows.toLocaleString("en-US")}  ` +
          `carts ${p.carts}/${p.cartsTotal}  ${p.current.slice(0, 40)}`,
      );
    },
    done: () => {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}

/** `stockfeed product-import --cart ID`: takes the cart's catalog files, then sends its whole catalog to its WMS. */
export async function productImportCommand(
  args: Omit<RunArgs, "cart"> & { cart: string; merchant?: string },
  io: Io,
  log: Logger,
): Promise<number> {
  const config = loadConfig(args.config);
  const cart = findCart(config, args.cart, args.merchant);
  return runCommand({ ...args, cart: undefined }, io, log, {
    config,
    lockName: "stockfeed product-import",
    options: {
      feeds: (f) => f === cart.catalog,
      sync: false,
      productImport: { cart: args.cart, merchant: args.merchant },
    },
  });
}

export async function runCommand(
  args: RunArgs,
  io: Io,
  log: Logger,
  how: { config?: LoadedConfig; lockName?: string; options?: RunOptions } = {},
): Promise<number> {
  const config = how.config ?? loadConfig(args.config);
  const fixed = args.now ? Date.parse(args.now) : undefined;
  // one process owns the state; a dry run works on a copy and needs no lock
  const merchants = config.merchants.map((m) => m.config.id);
  const lock = args.dryRun
    ? undefined
    : await acquireStateLock(config.state, merchants, how.lockName ?? "stockfeed run");
  const progress = process.stderr.isTTY && !args.json ? terminalProgress() : undefined;
  let stop = false;
  const onSignal = () => {
    stop = true;
    io.err("stockfeed run: stopping after the file or cart in hand (signal received)");
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    const report = await runOnce(config, {
      ...how.options,
      carts: args.cart,
      dryRun: args.dryRun,
      log,
      now: fixed === undefined ? undefined : () => fixed,
      progress: progress?.update,
      stopping: () => stop,
    });
    progress?.done();
    if (args.json) printJson(io, report);
    else io.out(formatRunReport(report));
    return report.exitCode;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await lock?.release();
  }
}
