import { findCart, loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { productSync } from "../state/reports.js";
import { Store } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export function viewSyncCommand(
  args: { config: string; cart: string; merchant?: string; json?: boolean; problems?: boolean; staleAfter?: string; now?: string },
  io: Io,
): number {
  const config = loadConfig(args.config);
  const cart = findCart(config, args.cart, args.merchant);
  const hours = args.staleAfter === undefined ? 48 : Number(args.staleAfter);
  if (!Number.isFinite(hours) || hours <= 0) throw new UsageError(`--stale-after takes a number of hours, not ${JSON.stringify(args.staleAfter)}`);
  const store = Store.open(config.statePath);
  try {
    const all = productSync(store, cart, args.now ? Date.parse(args.now) : Date.now(), hours * 3_600_000);
    const rows = args.problems ? all.filter((r) => r.problem) : all;
    if (args.json) printJson(io, { merchant: cart.merchant, cart: args.cart, rows });
    else if (args.problems && rows.length === 0) io.out(`View Product Sync for ${args.cart}: no problems among ${all.length} SKU(s)`);
    else if (rows.length === 0) io.out(`View Product Sync for ${args.cart}: empty (the cart sent no catalog and no file has gone to it yet)`);
    else
      io.out(
        table(
          ["sku", "inventory enabled", "last cart sync", "last sent", "why"],
          rows.map((r) => [r.sku, r.inventoryEnabled === null ? "-" : r.inventoryEnabled ? "yes" : "NO", r.lastCartSyncAt === "NEVER" ? "NEVER" : when(r.lastCartSyncAt), r.lastQuantity, r.reason]),
        ),
      );
    return 0;
  } finally {
    store.close();
  }
}
