import { loadConfig } from "../config/load.js";
import { openStore } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

/** `stockfeed sku CODE`: exit 0 when found, 1 when nothing matches or an alias code is on several products. */
export async function skuCommand(args: { code: string; config: string; json?: boolean }, io: Io): Promise<number> {
  const config = loadConfig(args.config);
  const store = await openStore(config.state);
  try {
    const carts = config.merchants.flatMap((m) =>
      m.carts.map((k) => ({ merchant: m.config.id, cart: k.config.id, alias: k.config.alias })),
    );
    const r = await store.queries.searchSku(args.code, carts);
    const found = r.asSku.length + r.asAlias.length + r.inCatalogs.length + r.lastSent.length;
    const code = found === 0 || r.duplicateAlias.length > 0 ? 1 : 0;
    if (args.json) {
      printJson(io, { ...r, found: found > 0 });
      return code;
    }
    if (found === 0) {
      io.out(
        `${args.code}: not found as a SKU, alias code, catalog entry or sent code. Make sure the WMS has the SKU loaded and the codes match exactly.`,
      );
      return code;
    }
    for (const d of r.duplicateAlias)
      io.out(
        `ERROR: ${d.aliasType} alias ${args.code} of merchant ${d.merchant} points to ${d.skus.length} products (${d.skus.join(", ")}): an alias code must reference one product only.`,
      );
    if (r.asSku.length)
      io.out(
        `As a SKU\n${table(
          ["merchant", "warehouse", "available", "on hand", "as of", "last loaded"],
          r.asSku.map((s) => [s.merchant, s.warehouse, s.available, s.onHand, when(s.asOf), when(s.loadedAt)]),
        )}\n`,
      );
    if (r.aliasesOfSku.length)
      io.out(
        `Its aliases\n${table(
          ["merchant", "alias type", "code"],
          r.aliasesOfSku.map((a) => [a.merchant, a.aliasType, a.code]),
        )}\n`,
      );
    if (r.asAlias.length)
      io.out(
        `As an alias code\n${table(
          ["merchant", "alias type", "sku"],
          r.asAlias.map((a) => [a.merchant, a.aliasType, a.sku]),
        )}\n`,
      );
    if (r.inCatalogs.length)
      io.out(
        `In cart catalogs\n${table(
          ["merchant", "cart", "inventory enabled"],
          r.inCatalogs.map((c) => [c.merchant, c.cart, c.inventoryEnabled ? "yes" : "NO"]),
        )}\n`,
      );
    if (r.lastSent.length)
      io.out(
        `Last sent\n${table(
          ["merchant", "cart", "code", "quantity", "at"],
          r.lastSent.map((s) => [s.merchant, s.cart, s.code, s.quantity, when(s.at)]),
        )}`,
      );
    return code;
  } finally {
    await store.close();
  }
}
