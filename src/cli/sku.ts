import { loadConfig } from "../config/load.js";
import { searchSku } from "../state/reports.js";
import { Store } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export function skuCommand(args: { code: string; config: string; json?: boolean }, io: Io): number {
  const config = loadConfig(args.config);
  const store = Store.open(config.statePath);
  try {
    const r = searchSku(store, args.code);
    if (args.json) {
      printJson(io, r);
      return 0;
    }
    const found = r.asSku.length + r.asAlias.length + r.inCatalogs.length + r.lastSent.length;
    if (found === 0) {
      io.out(`${args.code}: not found as a SKU, alias code, catalog entry or sent code. Make sure the WMS has the SKU loaded and the codes match exactly.`);
      return 0;
    }
    for (const d of r.duplicateAlias)
      io.out(`ERROR: ${d.aliasType} alias ${args.code} of merchant ${d.merchant} points to ${d.skus.length} products (${d.skus.join(", ")}): an alias code must reference one product only.`);
    if (r.asSku.length) io.out(`As a SKU\n${table(["merchant", "warehouse", "available", "on hand", "as of", "last loaded"], r.asSku.map((s) => [s.merchant, s.warehouse, s.available, s.onHand, when(s.asOf), when(s.loadedAt)]))}\n`);
    if (r.aliasesOfSku.length) io.out(`Its aliases\n${table(["merchant", "alias type", "code"], r.aliasesOfSku.map((a) => [a.merchant, a.aliasType, a.code]))}\n`);
    if (r.asAlias.length) io.out(`As an alias code\n${table(["merchant", "alias type", "sku"], r.asAlias.map((a) => [a.merchant, a.aliasType, a.sku]))}\n`);
    if (r.inCatalogs.length) io.out(`In cart catalogs\n${table(["merchant", "cart", "inventory enabled"], r.inCatalogs.map((c) => [c.merchant, c.cart, c.inventoryEnabled ? "yes" : "NO"]))}\n`);
    if (r.lastSent.length) io.out(`Last sent\n${table(["merchant", "cart", "code", "quantity", "at"], r.lastSent.map((s) => [s.merchant, s.cart, s.code, s.quantity, when(s.at)]))}`);
    return 0;
  } finally {
    store.close();
  }
}
