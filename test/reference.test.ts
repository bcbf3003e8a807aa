/**
 * The store computes every cart level set-based in SQL; the domain functions are the
 * reference. On seeded random data (lots, several as-ofs, duplicated and cancelled order
 * lines, orders by alias code, shared alias codes), both must agree to the unit.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  availableAfterOrders,
  judgeOrderLines,
  orderLineKey,
  type OrderLine,
  type WarehouseLevel,
} from "../src/domain/availability.js";
import { levelForCart, type CartLevelRules } from "../src/domain/allocation.js";
import { Scenario, type CartSpec } from "./helpers/scenario.js";

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMES = ["2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "2026-11-20T06:00:00-05:00", "2026-11-20T12:00:00Z"];
const iso = (ms: number) => new Date(ms).toISOString();

let s: Scenario;
afterEach(() => s?.cleanup());

describe("reference: SQL reconcile equals the domain functions", () => {
  // the last case is the scale test: the streaming store path at 50,000 SKUs against the plain reference
  it.each([
    [1, 250, 150],
    [2, 250, 150],
    [3, 250, 150],
    [7, 50_000, 12_000],
  ])("agrees on every cart and SKU (seed %i, %i SKUs, %i order lines per file)", async (seed, N, perFile) => {
    const rnd = prng(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    const carts: Array<CartSpec & CartLevelRules & { id: string }> = [
      { id: "all", orders: true, minimumLevel: 0, buffer: 0, percent: 100, maximum: null },
      { id: "east", warehouse: "east", orders: true, minimumLevel: 5, buffer: 1, percent: 70, maximum: 30 },
      { id: "upc", alias: "upc", minimumLevel: 3, buffer: 0, percent: 100, maximum: null },
    ];
    s = new Scenario({ aliases: true, warehouses: [{ id: "east" }, { id: "west" }], carts });
    const skus = Array.from({ length: N }, (_, i) => `S${i}`);

    // aliases: most SKUs a UPC, a few codes shared by two SKUs, some ASINs
    const aliasRows: Array<[string, string, string]> = [];
    skus.forEach((sku, i) => {
      if (rnd() < 0.7) aliasRows.push([sku, "upc", `U${i}`]);
      if (rnd() < 0.2) aliasRows.push([sku, "asin", `B${i}`]);
    });
    for (let k = 0; k < Math.max(6, N / 40); k++) aliasRows.push([pick(skus), "upc", `U${int(0, N - 1)}`]);
    // indexes for the reference (plain maps; the logic stays the rules')
    const upcOf = new Map<string, string>();
    const aliasesOfSku = new Map<string, Array<[string, string, string]>>();
    const skusByCode = new Map<string, Array<[string, string, string]>>();
    for (const r of aliasRows) {
      if (r[1] === "upc" && !upcOf.has(r[0])) upcOf.set(r[0], r[2]);
      aliasesOfSku.set(r[0], [...(aliasesOfSku.get(r[0]) ?? []), r]);
      skusByCode.set(r[2], [...(skusByCode.get(r[2]) ?? []), r]);
    }
    s.aliases(
      "aliases.csv",
      aliasRows.map((r) => r.join(",")),
    );

    // inventory: per warehouse one file, lot lines with their own as-of
    const levels = new Map<string, WarehouseLevel>(); // wh|sku
    for (const wh of ["east", "west"]) {
      const lines: string[] = [];
      for (const sku of skus) {
        if (rnd() < 0.2) continue;
        for (let lot = int(1, 3); lot > 0; lot--) {
          const available = int(-2, 40);
          const at = pick(TIMES);
          lines.push(`${sku},${available},,L${lot},${at}`);
          const key = `${wh}|${sku}`;
          const prev = levels.get(key);
          const asOf = Date.parse(at);
          levels.set(key, {
            warehouse: wh,
            available: (prev?.available ?? 0) + available,
            asOf: Math.min(prev?.asOf ?? Infinity, asOf),
          });
        }
      }
      s.inventory(wh, `${wh}.csv`, lines);
    }

    // orders over two files per cart: resent lines, later cancellations, alias codes, unknown codes
    const finalOrders = new Map<string, OrderLine>();
    for (const cart of ["all", "east"]) {
      for (const file of ["o1.csv", "o2.csv"]) {
        const lines: string[] = [];
        for (let n = 0; n < perFile; n++) {
          const i = int(0, N - 1);
          const orderId = `${cart}-${int(1, Math.max(60, perFile / 2))}`;
          const line = int(1, 2);
          const upc = upcOf.get(`S${i}`);
          const code = rnd() < 0.25 && upc ? upc : rnd() < 0.03 ? `UNKNOWN${i}` : `S${i}`;
          const orderedAt = Date.parse(pick(TIMES)) + pick([-1000, 0, 0, 1000, 3_600_000]);
          const status = pick(["open", "open", "open", "shipped", "cancelled"] as const);
          const quantity = int(0, 5);
          lines.push(`${orderId},${line},${code},${quantity},${iso(orderedAt)},${status}`);
          // the same key again in a file: the last one read wins, as in the store
          finalOrders.set(orderLineKey({ cart, orderId, line }), {
            cart,
            orderId,
            line,
            sku: code,
            quantity,
            orderedAt,
            status,
          });
        }
        s.orders(cart, file, lines);
      }
    }

    await s.run();

    // reference: resolve order codes to products as the rules say, then per cart and SKU
    const products = new Set([...[...levels.keys()].map((k) => k.split("|")[1]), ...aliasRows.map((r) => r[0])]);
    const skusOfCode = (code: string, type?: string) => [
      ...new Set((skusByCode.get(code) ?? []).filter((r) => !type || r[1] === type).map((r) => r[0])),
    ];
    const resolve = (code: string) =>
      products.has(code) ? code : skusOfCode(code).length === 1 ? skusOfCode(code)[0] : undefined;
    const ordersBySku = new Map<string, OrderLine[]>();
    for (const o of finalOrders.values()) {
      const sku = resolve(o.sku);
      if (sku) ordersBySku.set(sku, [...(ordersBySku.get(sku) ?? []), o]);
    }
    for (const cart of carts) {
      const expected: Record<string, number> = {};
      for (const sku of skus) {
        const lv = ["east", "west"]
          .filter((w) => !cart.warehouse || cart.warehouse === w)
          .map((w) => levels.get(`${w}|${sku}`))
          .filter((l): l is WarehouseLevel => !!l);
        const a = availableAfterOrders(lv, ordersBySku.get(sku) ?? []);
        if (!a) continue;
        const level = levelForCart(a.available, cart);
        if (!cart.alias) expected[sku] = level;
        else
          for (const r of (aliasesOfSku.get(sku) ?? []).filter((r) => r[1] === cart.alias))
            if (skusOfCode(r[2], cart.alias).length === 1) expected[r[2]] = level;
      }
      expect(s.latest(cart.id), `cart ${cart.id}`).toEqual(expected);
    }
    // sanity: the data exercised every branch of rule 5
    const verdicts = new Set(judgeOrderLines([...finalOrders.values()], Date.parse(TIMES[1])).map((j) => j.verdict));
    expect([...verdicts].sort()).toEqual(["before-as-of", "cancelled", "subtracted"]);
  });
});
