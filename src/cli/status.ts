import { loadConfig } from "../config/load.js";
import { cartStatus, warehouseStatus } from "../state/reports.js";
import { Store } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export function statusCommand(args: { config: string; json?: boolean }, io: Io): number {
  const config = loadConfig(args.config);
  const store = Store.open(config.statePath);
  try {
    const warehouses = warehouseStatus(store, config);
    const carts = cartStatus(store, config);
    if (args.json) {
      printJson(io, { warehouses, carts });
      return 0;
    }
    io.out("Last inventory run");
    io.out(
      table(
        ["merchant", "inventory sync", "warehouse", "last run", "file", "status", "lines", "rejected", "stale"],
        warehouses.map((w) =>
          w.lastRun === "N/A"
            ? [w.merchant, w.inventorySync, w.warehouse, "N/A"]
            : [w.merchant, w.inventorySync, w.warehouse, when(w.lastRun.at), w.lastRun.file, w.lastRun.status + (w.lastRun.error ? `: ${w.lastRun.error}` : ""), w.lastRun.rows, w.lastRun.rejected, w.lastRun.stale],
        ),
      ),
    );
    io.out("\nCarts");
    io.out(
      table(
        ["merchant", "cart", "upload", "last sync", "file", "lines", "units", "last attempt"],
        carts.map((c) => [
          c.merchant,
          c.cart,
          c.inventoryUpload ? "on" : "off",
          c.lastSync === "NEVER" ? "NEVER" : when(c.lastSync.at),
          c.lastSync === "NEVER" ? "" : c.lastSync.file,
          c.lastSync === "NEVER" ? "" : c.lastSync.rows,
          c.lastSync === "NEVER" ? "" : c.lastSync.units,
          c.lastAttempt ? `${c.lastAttempt.status} ${when(c.lastAttempt.at)}${c.lastAttempt.error ? `: ${c.lastAttempt.error}` : ""}` : "",
        ]),
      ),
    );
    return 0;
  } finally {
    store.close();
  }
}
