/**
 * "Why does the cart show 7?": the discrepancy checklist of seeds/inventory-sync-discrepancy.txt,
 * walked automatically over recorded facts. Pure: the store gathers the facts, this decides.
 */
import { cartLevelSteps, type CartLevelSteps } from "./allocation.js";
import { combineWarehouses, judgeOrderLines, type OrderLine, type OrderVerdict } from "./availability.js";

export interface ExplainFacts {
  code: string;
  merchant: { id: string; inventorySync: "on" | "off" | "automatic" };
  /** last inventory run per warehouse the cart draws from; null = N/A */
  inventoryRuns: Array<
    { warehouse: string; at: number; file: string; status: string } | { warehouse: string; at: null }
  >;
  cart: {
    id: string;
    inventoryUpload: boolean;
    /** null = all */
    warehouse: string | null;
    warehouses: string[];
    alias: string | null;
    minimumLevel: number;
    buffer: number;
    percent: number;
    maximum: number | null;
    sendAll: boolean;
    schedule: string;
    nextRun: number | null;
    hasCatalog: boolean;
  };
  /** merchant SKUs the code matches: by SKU when the cart pushes SKUs, through the alias type otherwise */
  matchedSkus: string[];
  /** whether a product with the code as SKU exists (a hint when the cart pushes by alias) */
  codeIsSku: boolean;
  /** when the code is a SKU the alias cart does not know it by: that SKU's codes of the cart's alias type */
  aliasCodesOfSku: string[];
  catalog: { inCatalog: boolean; inventoryEnabled: boolean | null };
  /** levels of the matched SKU in the cart's warehouses */
  levels: Array<{
    warehouse: string;
    available: number;
    onHand: number | null;
    asOf: number;
    file: string;
    line: number | null;
    loadedAt: number;
  }>;
  /** warehouses outside the cart's that carry the SKU */
  elsewhere: string[];
  stale: Array<{ warehouse: string; available: number; asOf: number; file: string; line: number | null }>;
  rejects: Array<{ file: string; line: number; field: string; value: string; reason: string }>;
  /** order lines of the product (by SKU or a unique alias code), each once, with how often it was seen */
  orders: Array<OrderLine & { timesSeen: number; file: string }>;
  /** order lines before the as-of left out of `orders` to keep the answer short */
  olderOrdersNotListed: number;
  lastSentOfCode: { at: number; file: string; quantity: number } | null;
  /** the cart's last file left the code out because its format cannot carry it (a delimiter in an X12 code...), and why */
  unsendableInLastFile: { file: string; detail: string | null } | null;
  lastCartSync: { at: number; file: string } | null;
  /** a warehouse the cart draws from delivered news since its last sync */
  newsPending: boolean;
}

export type VerdictCheck =
  | "inventory-sync-off"
  | "no-inventory-run"
  | "upload-off"
  | "no-match"
  | "duplicate-alias"
  | "inventory-disabled"
  | "no-level"
  | "below-minimum"
  | "unsendable"
  | "never-sent"
  | "waiting"
  | "ok";

export interface OrderExplained {
  cart: string;
  orderId: string;
  line: number;
  quantity: number;
  orderedAt: number;
  status: string;
  file: string;
  timesSeen: number;
  verdict: OrderVerdict;
  /** in words, for people */
  why: string;
}

export interface Explanation {
  code: string;
  sku: string | null;
  matchedBy: "sku" | "alias" | null;
  levels: ExplainFacts["levels"];
  /** the cart's warehouses summed, before orders (rule 6) */
  warehouseAvailable: number | null;
  /** the oldest as-of among them (rule 5) */
  asOf: number | null;
  orders: OrderExplained[];
  ordersSubtracted: number;
  steps: CartLevelSteps | null;
  /** the value the next file will carry; null when the code is not in the cart's file */
  nextValue: number | null;
  verdict: { check: VerdictCheck; text: string };
}

const ORDER_WHY: Record<OrderVerdict, string> = {
  subtracted: "placed after the as-of: subtracted",
  "before-as-of": "placed at or before the as-of: already inside the warehouse level",
  cancelled: "cancelled: not subtracted",
  duplicate: "seen again: counted once",
};

function list(xs: string[]): string {
  return xs.join(", ");
}

export function explain(f: ExplainFacts): Explanation {
  const c = f.cart;
  const sku = f.matchedSkus.length === 1 ? f.matchedSkus[0] : null;
  const combined = combineWarehouses(
    f.levels.map((l) => ({ warehouse: l.warehouse, available: l.available, asOf: l.asOf })),
  );
  const judged = combined ? judgeOrderLines(f.orders, combined.asOf) : [];
  const orders: OrderExplained[] = judged.map(({ line, verdict }) => {
    const o = line as ExplainFacts["orders"][number];
    const seen = o.timesSeen > 1 ? ` (seen ${o.timesSeen} times, counted once)` : "";
    return {
      cart: o.cart,
      orderId: o.orderId,
      line: o.line,
      quantity: o.quantity,
      orderedAt: o.orderedAt,
      status: o.status,
      file: o.file,
      timesSeen: o.timesSeen,
      verdict,
      why: ORDER_WHY[verdict] + seen,
    };
  });
  const ordersSubtracted = orders.filter((o) => o.verdict === "subtracted").reduce((a, o) => a + o.quantity, 0);
  const available = combined ? combined.available - ordersSubtracted : null;
  const steps = available === null ? null : cartLevelSteps(available, c);
  const excluded = !c.inventoryUpload || !sku || f.catalog.inventoryEnabled === false || !combined;
  const nextValue = excluded || !steps ? null : steps.sent;

  const v = (check: VerdictCheck, text: string) => ({ check, text });
  const where = c.warehouse ?? "all warehouses";
  const verdict = (() => {
    if (f.merchant.inventorySync === "off")
      return v(
        "inventory-sync-off",
        `inventory sync is off for merchant ${f.merchant.id}: warehouse files are not collected; set inventorySync to on or automatic`,
      );
    const never = f.inventoryRuns.filter((r) => r.at === null).map((r) => r.warehouse);
    if (never.length === f.inventoryRuns.length)
      return v(
        "no-inventory-run",
        `no inventory file was ever loaded for ${list(never)} (last inventory run N/A): check the warehouse drop folder and mapping`,
      );
    if (!c.inventoryUpload) return v("upload-off", `inventory upload is off for cart ${c.id}: turn inventoryUpload on`);
    if (f.matchedSkus.length === 0) {
      if (c.alias && f.codeIsSku) {
        const codes = f.aliasCodesOfSku;
        const known = codes.length
          ? `the cart knows it as ${list(codes)}`
          : `SKU ${f.code} has no ${c.alias} alias, so it is never sent to this cart (rule 9)`;
        return v(
          "no-match",
          `no warehouse product matches ${c.alias} alias ${f.code} (it is a SKU, but the cart is pushed by ${c.alias}): ${known}; ${codes.length ? `explain ${codes[0]}` : "add the alias"}`,
        );
      }
      if (c.alias)
        return v("no-match", `no warehouse product matches ${c.alias} alias ${f.code}: add the alias or fix the code`);
      return v(
        "no-match",
        `no warehouse product has SKU ${f.code}: make the SKUs match exactly, or push the cart by an alias`,
      );
    }
    if (f.matchedSkus.length > 1)
      return v(
        "duplicate-alias",
        `${c.alias} alias ${f.code} points to ${f.matchedSkus.length} products (${list(f.matchedSkus)}): an alias code must reference one product only; fix the alias list`,
      );
    if (f.catalog.inventoryEnabled === false)
      return v(
        "inventory-disabled",
        `inventory is disabled in the cart for ${f.code}: enable inventory tracking for it in the cart`,
      );
    if (!combined)
      return v(
        "no-level",
        `${sku} has no inventory level in ${where}${f.elsewhere.length ? ` (it has one in ${list(f.elsewhere)}: check the cart's warehouse setting)` : ": make sure the WMS has the SKU loaded"}`,
      );
    if (steps!.belowMinimum)
      return v(
        "below-minimum",
        `available ${available} is below the cart's minimum level ${c.minimumLevel}, so 0 is sent (set minimumLevel to 0 to always send the full amount)`,
      );
    if (f.unsendableInLastFile) {
      const u = f.unsendableInLastFile;
      return v(
        "unsendable",
        `${f.code} holds a character the cart's file format cannot carry (${u.detail ?? "a delimiter of the partner's X12, or one outside its character set"}), ` +
          `so ${u.file} left it out: change the code, or set invalidCharacters: strip in the cart's mapping`,
      );
    }
    if (!f.lastSentOfCode)
      return v(
        "never-sent",
        `never sent: ${f.lastCartSync ? `the cart's last file (${f.lastCartSync.file}) did not include it; it matched after that` : "no file has gone to this cart yet"}; the next file will carry ${nextValue}`,
      );
    if (f.lastSentOfCode.quantity !== nextValue) {
      const when =
        f.newsPending || c.sendAll
          ? "it goes with the next run"
          : "no warehouse has delivered inventory since the last sync (rule 4), so it waits for the next warehouse file";
      return v(
        "waiting",
        `the cart was last sent ${f.lastSentOfCode.quantity}; the next file will carry ${nextValue}: ${when}`,
      );
    }
    return v("ok", `the cart was last sent ${nextValue} in ${f.lastSentOfCode.file}, which is what the rules give now`);
  })();
  if (!f.catalog.inCatalog && f.cart.hasCatalog && verdict.check === "ok")
    verdict.text += ` (note: ${f.code} is not in the cart's catalog)`;

  return {
    code: f.code,
    sku,
    matchedBy: sku ? (c.alias ? "alias" : "sku") : null,
    levels: f.levels,
    warehouseAvailable: combined ? combined.available : null,
    asOf: combined ? combined.asOf : null,
    orders,
    ordersSubtracted,
    steps,
    nextValue,
    verdict,
  };
}
