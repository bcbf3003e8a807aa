import { loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { locationRows, productSummary } from "../state/reports.js";
import { Store } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export function locationsCommand(args: { config: string; warehouse?: string; merchant?: string; json?: boolean }, io: Io): number {
  const config = loadConfig(args.config);
  if (args.warehouse && !config.merchants.some((m) => m.warehouses.some((w) => w.config.id === args.warehouse)))
    throw new UsageError(`no warehouse ${JSON.stringify(args.warehouse)} in ${config.file}`);
  const store = Store.open(config.statePath);
  try {
    if (args.warehouse) {
      const rows = locationRows(store, args.warehouse, args.merchant);
      if (args.json) printJson(io, { warehouse: args.warehouse, rows });
      else io.out(table(["merchant", "sku", "available", "on hand", "as of", "last loaded", "file"], rows.map((r) => [r.merchant, r.sku, r.available, r.onHand, when(r.asOf), when(r.loadedAt), r.file])));
    } else {
      const rows = productSummary(store, args.merchant);
      if (args.json) printJson(io, { summary: rows });
      else io.out(table(["merchant", "sku", "available", "on hand", "warehouses"], rows.map((r) => [r.merchant, r.sku, r.available, r.onHand, r.warehouses])));
    }
    return 0;
  } finally {
    store.close();
  }
}
