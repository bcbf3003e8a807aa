import { findCart, loadConfig } from "../config/load.js";
import { explain } from "../domain/explain.js";
import { openStore } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

export async function explainCommand(
  args: { config: string; cart: string; sku: string; merchant?: string; json?: boolean; now?: string },
  io: Io,
): Promise<number> {
  const config = loadConfig(args.config);
  const cart = findCart(config, args.cart, args.merchant);
  const store = await openStore(config.state);
  try {
    const facts = await store.queries.explainFacts(
      config,
      cart,
      args.sku,
      args.now ? Date.parse(args.now) : Date.now(),
    );
    const e = explain(facts);
    if (args.json) {
      printJson(io, { facts, explanation: e });
      return 0;
    }
    const c = facts.cart;
    const out: string[] = [`Why ${args.sku} in cart ${c.id}: ${e.verdict.text}`, ""];
    out.push(`1. Merchant ${facts.merchant.id}: inventory sync ${facts.merchant.inventorySync}`);
    for (const r of facts.inventoryRuns)
      out.push(
        `   last inventory run for ${r.warehouse}: ${r.at === null ? "N/A" : `${when(r.at)} ${r.file} (${r.status})`}`,
      );
    out.push(
      `2. Cart ${c.id}: inventory upload ${c.inventoryUpload ? "on" : "off"}; warehouses ${c.warehouse ?? `all (${c.warehouses.join(", ")})`}; ` +
        `alias ${c.alias ?? "none (pushed by SKU)"}; minimum level ${c.minimumLevel}; buffer ${c.buffer}; percent ${c.percent}; maximum ${c.maximum ?? "none"}; ` +
        `send-all ${c.sendAll ? "yes" : "no"}; schedule ${c.schedule}${c.nextRun ? `, next ${when(c.nextRun)}` : ""}`,
    );
    out.push(
      `3. Matching: ${
        facts.matchedSkus.length === 0
          ? `no product matches ${c.alias ? `${c.alias} alias ` : "SKU "}${args.sku}`
          : facts.matchedSkus.length > 1
            ? `${c.alias} alias ${args.sku} is on ${facts.matchedSkus.length} products: ${facts.matchedSkus.join(", ")}`
            : e.matchedBy === "alias"
              ? `${c.alias} alias ${args.sku} is SKU ${e.sku}`
              : `SKU ${e.sku}`
      }`,
    );
    out.push(
      `4. Catalog: ${!c.hasCatalog ? "the cart sent no catalog" : !facts.catalog.inCatalog ? `${args.sku} is not in the cart's catalog` : `inventory enabled ${facts.catalog.inventoryEnabled ? "yes" : "NO"}`}`,
    );
    out.push("5. Warehouse records");
    if (facts.levels.length)
      out.push(
        indent(
          table(
            ["warehouse", "available", "on hand", "as of", "file", "line", "loaded"],
            facts.levels.map((l) => [
              l.warehouse,
              l.available,
              l.onHand,
              when(l.asOf),
              l.file,
              l.line ?? "(zeroed by full snapshot)",
              when(l.loadedAt),
            ]),
          ),
        ),
      );
    else
      out.push(
        `   none in ${c.warehouse ?? "any warehouse"}${facts.elsewhere.length ? ` (has levels in ${facts.elsewhere.join(", ")})` : ""}`,
      );
    for (const s of facts.stale)
      out.push(
        `   stale, ignored (rule 14): ${s.warehouse} ${s.available} as of ${when(s.asOf)} from ${s.file}:${s.line}`,
      );
    for (const r of facts.rejects)
      out.push(`   rejected: ${r.file}:${r.line} ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`);
    out.push(
      e.asOf === null ? "6. Orders: not looked at (no level to subtract from)" : `6. Orders (as-of ${when(e.asOf)})`,
    );
    if (e.orders.length)
      out.push(
        indent(
          table(
            ["cart", "order", "line", "qty", "ordered at", "status", "file", "counted?"],
            e.orders.map((o) => [o.cart, o.orderId, o.line, o.quantity, when(o.orderedAt), o.status, o.file, o.why]),
          ),
        ),
      );
    else if (e.asOf !== null) out.push("   none");
    if (facts.olderOrdersNotListed)
      out.push(`   and ${facts.olderOrdersNotListed} older order line(s) before the as-of, not subtracted`);
    if (e.steps) {
      const s = e.steps;
      out.push(
        `7. Arithmetic: ${e.warehouseAvailable} available - ${e.ordersSubtracted} ordered = ${s.available}; ` +
          `${s.belowMinimum ? `below minimum ${c.minimumLevel}: 0` : `minimum ${c.minimumLevel} ok; - buffer ${c.buffer} = ${s.afterBuffer}; x ${c.percent}% = ${s.afterPercent}; max ${c.maximum ?? "none"} = ${s.afterMaximum}; not below 0 = ${s.sent}`}` +
          `; next file: ${e.nextValue ?? "not included"}`,
      );
    } else out.push("7. Arithmetic: nothing to compute (no level)");
    out.push(
      `8. Delivery: ${facts.lastSentOfCode ? `last sent ${facts.lastSentOfCode.quantity} in ${facts.lastSentOfCode.file} at ${when(facts.lastSentOfCode.at)}` : "NEVER"}` +
        `${facts.newsPending ? "; a warehouse has delivered news since the last sync" : ""}`,
    );
    out.push(`9. Verdict: ${e.verdict.text}`);
    io.out(out.join("\n"));
    return 0;
  } finally {
    await store.close();
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `   ${l}`)
    .join("\n");
}
