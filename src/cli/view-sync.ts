import { findCart, loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { productSync } from "../state/reports.js";
import { Store } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export function viewSyncCommand(args: { config: string; cart: string; merchant?: string; json?: boolean }, io: Io): number {
  const config = loadConfig(args.config);
  const carts = findCart(config, args.cart).filter((c) => !args.merchant || c.merchant === args.merchant);
  if (carts.length === 0) throw new UsageError(`no cart ${JSON.stringify(args.cart)} in ${config.file}`);
  if (carts.length > 1) throw new UsageError(`cart ${args.cart} exists in several merchants (${carts.map((c) => c.merchant).join(", ")}): add --merchant`);
  const store = Store.open(config.statePath);
  try {
    const rows = productSync(store, carts[0]);
    if (args.json) printJson(io, { merchant: carts[0].merchant, cart: args.cart, rows });
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
