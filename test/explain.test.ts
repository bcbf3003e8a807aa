import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { Scenario, type ScenarioSpec } from "./helpers/scenario.js";

const T = "2026-11-20T11:00:00Z";
let s: Scenario;
afterEach(() => s?.cleanup());

/** the CLI in this process: exit code, stdout, stderr */
async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n") });
  return { code, out, err };
}

async function explain(cart: string, code: string) {
  const r = await cli("explain", "--config", s.configPath, "--cart", cart, "--sku", code, "--json");
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.out);
  const human = (await cli("explain", "--config", s.configPath, "--cart", cart, "--sku", code)).out;
  // the one-line verdict heads the human answer and closes it
  expect(human.split("\n")[0]).toBe(`Why ${code} in cart ${cart}: ${doc.explanation.verdict.text}`);
  expect(human).toContain(`9. Verdict: ${doc.explanation.verdict.text}`);
  return doc as { facts: Record<string, any>; explanation: Record<string, any> };
}

function shop(spec: ScenarioSpec = {}) {
  return new Scenario({ carts: [{ id: "shop", orders: true }], ...spec });
}

describe("explain: merchant and cart checks", () => {
  it("inventory sync off", async () => {
    s = shop({ inventorySync: "off" });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.explanation.verdict).toEqual({
      check: "inventory-sync-off",
      text: expect.stringContaining("inventory sync is off for merchant acme"),
    });
    expect(e.facts.merchant.inventorySync).toBe("off");
  });
  it("last inventory run N/A", async () => {
    s = shop();
    const e = await explain("shop", "A");
    expect(e.facts.inventoryRuns).toEqual([{ warehouse: "east", at: null }]);
    expect(e.explanation.verdict).toEqual({
      check: "no-inventory-run",
      text: expect.stringContaining("last inventory run N/A"),
    });
  });
  it("inventory upload off", async () => {
    s = new Scenario({ carts: [{ id: "shop", inventoryUpload: false }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.explanation.verdict).toEqual({
      check: "upload-off",
      text: "inventory upload is off for cart shop: turn inventoryUpload on",
    });
    expect(e.explanation.nextValue).toBeNull();
  });
});

describe("explain: matching and catalog", () => {
  it("no product with that SKU", async () => {
    s = shop();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("shop", "BDreams");
    expect(e.facts.matchedSkus).toEqual([]);
    expect(e.explanation.verdict).toEqual({
      check: "no-match",
      text: "no warehouse product has SKU BDreams: make the SKUs match exactly, or push the cart by an alias",
    });
  });
  it("no product with that alias code, and a hint when the code is a SKU", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    expect((await explain("market", "0123")).explanation.verdict).toEqual({
      check: "no-match",
      text: "no warehouse product matches upc alias 0123: add the alias or fix the code",
    });
    expect((await explain("market", "A")).explanation.verdict.text).toContain(
      "(it is a SKU, but the cart is pushed by upc)",
    );
  });
  it("one alias code on several products", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,upc,0001", "B,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,1,,,${T}`]);
    await s.run();
    const e = await explain("market", "0001");
    expect(e.facts.matchedSkus).toEqual(["A", "B"]);
    expect(e.explanation.verdict).toEqual({
      check: "duplicate-alias",
      text: expect.stringContaining("upc alias 0001 points to 2 products (A, B)"),
    });
  });
  it("matched through the alias, the SKU is shown", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("market", "0001");
    expect(e.explanation).toMatchObject({ sku: "A", matchedBy: "alias", nextValue: 10, verdict: { check: "ok" } });
  });
  it("inventory disabled in the cart", async () => {
    s = new Scenario({ carts: [{ id: "shop", catalog: true }] });
    s.catalog("shop", "c.csv", ["A,N"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.facts.catalog).toEqual({ inCatalog: true, inventoryEnabled: false });
    expect(e.explanation.verdict).toEqual({
      check: "inventory-disabled",
      text: "inventory is disabled in the cart for A: enable inventory tracking for it in the cart",
    });
  });
  it("a level only in a warehouse the cart does not draw from", async () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }], carts: [{ id: "shop", warehouse: "east" }] });
    s.inventory("east", "e.csv", [`B,1,,,${T}`]);
    s.inventory("west", "w.csv", [`A,10,,,${T}`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.facts.elsewhere).toEqual(["west"]);
    expect(e.explanation.verdict).toEqual({
      check: "no-level",
      text: "A has no inventory level in east (it has one in west: check the cart's warehouse setting)",
    });
  });
});

describe("explain: warehouse records", () => {
  it("shows available and on hand with file and line, the stale file ignored and the fractional reject", async () => {
    s = shop();
    s.inventory("east", "new.csv", [`B,1,,,${T}`, `A,10,14,,2026-11-20T12:00:00Z`]);
    s.inventory("east", "late.csv", [`A,99,99,,2026-11-20T08:00:00Z`]);
    s.inventory("east", "frac.csv", [`A,7.5,8,,2026-11-20T13:00:00Z`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.facts.levels).toEqual([
      {
        warehouse: "east",
        available: 10,
        onHand: 14,
        asOf: Date.parse("2026-11-20T12:00:00Z"),
        file: "new.csv",
        line: 3,
        loadedAt: expect.any(Number),
      },
    ]);
    expect(e.facts.stale).toEqual([
      { warehouse: "east", available: 99, asOf: Date.parse("2026-11-20T08:00:00Z"), file: "late.csv", line: 2 },
    ]);
    expect(e.facts.rejects).toEqual([
      {
        file: "frac.csv",
        line: 2,
        field: "quantity_available",
        value: "7.5",
        reason: expect.stringContaining("not a whole number"),
      },
    ]);
    expect(e.explanation.verdict.check).toBe("ok");
  });
});

describe("explain: orders", () => {
  it("says which order lines counted and why the others did not", async () => {
    s = new Scenario({
      aliases: true,
      carts: [
        { id: "shop", orders: true },
        { id: "market", orders: true },
      ],
    });
    s.aliases("a.csv", ["A,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,100,,,${T}`]);
    s.orders("shop", "o1.csv", [
      "1,1,A,1,2026-11-20T10:00:00Z,open",
      "2,1,A,2,2026-11-20T11:00:00Z,open",
      "3,1,A,4,2026-11-20T12:00:00Z,cancelled",
      "4,1,A,8,2026-11-20T12:00:00Z,open",
    ]);
    s.orders("shop", "o2.csv", ["4,1,A,8,2026-11-20T12:00:00Z,open"]);
    s.orders("market", "m.csv", ["M1,1,0001,16,2026-11-20T13:00:00Z,shipped"]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.explanation.orders.map((o: any) => [o.cart, o.orderId, o.verdict, o.why])).toEqual([
      ["shop", "1", "before-as-of", "placed at or before the as-of: already inside the warehouse level"],
      ["shop", "2", "before-as-of", "placed at or before the as-of: already inside the warehouse level"],
      ["shop", "3", "cancelled", "cancelled: not subtracted"],
      ["shop", "4", "subtracted", "placed after the as-of: subtracted (seen 2 times, counted once)"],
      ["market", "M1", "subtracted", "placed after the as-of: subtracted"],
    ]);
    expect(e.explanation.ordersSubtracted).toBe(24);
    expect(e.explanation.nextValue).toBe(76);
  });
});

describe("explain: arithmetic and delivery", () => {
  it("shows each allocation step", async () => {
    s = new Scenario({ carts: [{ id: "shop", minimumLevel: 5, buffer: 2, percent: 50, maximum: 20, orders: true }] });
    s.inventory("east", "inv.csv", [`A,35,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,4,2026-11-20T12:00:00Z,open"]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.explanation).toMatchObject({ warehouseAvailable: 35, ordersSubtracted: 4, nextValue: 14 });
    expect(e.explanation.steps).toEqual({
      available: 31,
      belowMinimum: false,
      afterBuffer: 29,
      afterPercent: 14,
      afterMaximum: 14,
      sent: 14,
    });
    expect(e.facts.lastSentOfCode).toMatchObject({ quantity: 14, file: "shop-0001.csv" });
  });
  it("below the minimum level", async () => {
    s = new Scenario({ carts: [{ id: "shop", minimumLevel: 5 }] });
    s.inventory("east", "inv.csv", [`A,4,,,${T}`]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.explanation.verdict).toEqual({
      check: "below-minimum",
      text: "available 4 is below the cart's minimum level 5, so 0 is sent (set minimumLevel to 0 to always send the full amount)",
    });
  });
  it("never sent: no file has gone to the cart yet", async () => {
    s = new Scenario({ carts: [{ id: "shop" }, { id: "other" }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run({ carts: ["other"] });
    const e = await explain("shop", "A");
    expect(e.facts.lastSentOfCode).toBeNull();
    expect(e.explanation.verdict).toEqual({
      check: "never-sent",
      text: "never sent: no file has gone to this cart yet; the next file will carry 10",
    });
  });
  it("a newer value waits for news (rule 4)", async () => {
    s = shop();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    s.orders("shop", "o.csv", ["1,1,A,3,2026-11-20T12:00:00Z,open"]);
    await s.run();
    const e = await explain("shop", "A");
    expect(e.facts.newsPending).toBe(false);
    expect(e.explanation.verdict).toEqual({
      check: "waiting",
      text: "the cart was last sent 10; the next file will carry 7: no warehouse has delivered inventory since the last sync (rule 4), so it waits for the next warehouse file",
    });
  });
  it("all is well", async () => {
    s = shop();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    expect((await explain("shop", "A")).explanation.verdict).toEqual({
      check: "ok",
      text: "the cart was last sent 10 in shop-0001.csv, which is what the rules give now",
    });
  });
  it("an unknown cart is a usage error", async () => {
    s = shop();
    expect((await cli("explain", "--config", s.configPath, "--cart", "nope", "--sku", "A")).code).toBe(2);
  });
});

describe("view-sync --problems", () => {
  it("keeps only the rows that need action: NEVER, inventory disabled, stale warehouse data", async () => {
    s = new Scenario({ carts: [{ id: "shop", catalog: true }] });
    s.catalog("shop", "c.csv", ["A,Y", "B,N", "C,Y", "OLD,Y"]);
    s.inventory("east", "inv.csv", [
      `A,10,,,2026-11-22T11:00:00Z`,
      `B,1,,,2026-11-22T11:00:00Z`,
      `OLD,3,,,2026-11-18T11:00:00Z`,
    ]);
    await s.run();
    const r = await cli(
      "view-sync",
      "--config",
      s.configPath,
      "--cart",
      "shop",
      "--problems",
      "--json",
      "--now",
      "2026-11-23T08:00:00Z",
    );
    const rows = JSON.parse(r.out).rows.map((x: any) => [x.sku, x.reason]);
    expect(rows).toEqual([
      ["B", expect.stringContaining("inventory is disabled")],
      ["C", expect.stringContaining("no matching SKU")],
      ["OLD", "warehouse data is 117 hours old: is the WMS still sending files?"],
    ]);
    const wide = await cli(
      "view-sync",
      "--config",
      s.configPath,
      "--cart",
      "shop",
      "--problems",
      "--json",
      "--now",
      "2026-11-23T08:00:00Z",
      "--stale-after",
      "200",
    );
    expect(JSON.parse(wide.out).rows.map((x: any) => x.sku)).toEqual(["B", "C"]);
  });
});

describe("view-sync at the scale we sell: streamed, paged, searched", () => {
  it("an alias cart's --problems lists the warehouse products it cannot be sent for lack of its alias", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `NOUPC,4,,,${T}`]);
    await s.run();
    const r = await cli(
      "view-sync",
      "--config",
      s.configPath,
      "--cart",
      "market",
      "--problems",
      "--json",
      "--now",
      "2026-11-20T12:00:00Z",
    );
    expect(JSON.parse(r.out).rows).toEqual([
      expect.objectContaining({
        sku: "NOUPC",
        lastCartSyncAt: "NEVER",
        problem: true,
        reason: expect.stringContaining("SKU NOUPC has no upc alias"),
      }),
    ]);
    const e = await explain("market", "NOUPC");
    expect(e.facts.levels).toMatchObject([{ warehouse: "east", available: 4 }]);
    expect(e.explanation.verdict.text).toMatch(/SKU NOUPC has no upc alias, so it is never sent to this cart/);
    expect((await explain("market", "A")).explanation.verdict.text).toMatch(/the cart knows it as 0001; explain 0001/);
  });
  it("--limit and --after page in code order; --search keeps codes containing the text", async () => {
    s = new Scenario();
    s.inventory(
      "east",
      "inv.csv",
      ["A1", "A2", "B1", "B2", "C1"].map((k) => `${k},1,,,${T}`),
    );
    await s.run();
    const page = async (...extra: string[]) => {
      const r = await cli("view-sync", "--config", s.configPath, "--cart", "shop", "--json", ...extra);
      const doc = JSON.parse(r.out);
      return [doc.rows.map((x: any) => x.sku), doc.nextAfter];
    };
    expect(await page("--limit", "2")).toEqual([["A1", "A2"], "A2"]);
    expect(await page("--limit", "2", "--after", "A2")).toEqual([["B1", "B2"], "B2"]);
    expect(await page("--limit", "2", "--after", "B2")).toEqual([["C1"], undefined]);
    expect(await page("--search", "1")).toEqual([["A1", "B1", "C1"], undefined]);
    const human = await cli("view-sync", "--config", s.configPath, "--cart", "shop", "--limit", "2");
    expect(human.out).toContain('... more: the next page is --after "A2"');
    expect((await cli("view-sync", "--config", s.configPath, "--cart", "shop", "--limit", "0")).code).toBe(2);
  });
  it("200,000 SKUs: view-sync and locations stream every row (no stack overflow, no quadratic time)", async () => {
    s = new Scenario({ carts: [{ id: "shop", catalog: true }] });
    const n = 200_000;
    const skus = Array.from({ length: n }, (_, i) => `S${String(i).padStart(6, "0")}`);
    s.inventory(
      "east",
      "inv.csv",
      skus.map((k) => `${k},1,,,${T}`),
    );
    s.catalog(
      "shop",
      "c.csv",
      skus.map((k) => `${k},Y`),
    );
    await s.run();
    const v = await cli("view-sync", "--config", s.configPath, "--cart", "shop");
    expect(v.code).toBe(0);
    expect(v.out.trimEnd().split("\n")).toHaveLength(n + 2);
    const l = await cli("locations", "--config", s.configPath, "--warehouse", "east", "--json");
    expect(JSON.parse(l.out).rows).toHaveLength(n);
    const sum = await cli("locations", "--config", s.configPath);
    expect(sum.out.trimEnd().split("\n")).toHaveLength(n + 2);
    // (on PostgreSQL view-sync's page query is 4-5x slower than on SQLite at this size: README, state on PostgreSQL)
  }, 300_000);
});

describe("diff", () => {
  it("shows what the next file changes against the last file delivered, without sending", async () => {
    s = new Scenario({
      warehouses: [{ id: "east", snapshot: "full" }],
      carts: [{ id: "shop", orders: true }, { id: "other" }],
    });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,5,,,${T}`, `C,1,,,${T}`]);
    await s.run();
    s.inventory("east", "b.csv", [
      `A,10,,,2026-11-20T12:00:00Z`,
      `B,6,,,2026-11-20T12:00:00Z`,
      `D,2,,,2026-11-20T12:00:00Z`,
    ]);
    await s.run({ dryRun: true }); // nothing recorded
    const r = await cli("diff", "--config", s.configPath, "--cart", "shop", "--json");
    // diff loads nothing: b.csv is still waiting, so there is nothing new yet
    expect(JSON.parse(r.out)).toMatchObject({
      next: { wouldSend: false, reason: "no-news" },
      added: [],
      removed: [],
      changed: [],
      unchanged: 3,
    });
    // and says so: what is waiting in the cart's local feeds may change the next file
    expect(JSON.parse(r.out).waiting).toEqual({
      files: [{ source: "acme/warehouse/east", name: "b.csv" }],
      remote: [],
    });
    expect((await cli("diff", "--config", s.configPath, "--cart", "shop")).out).toContain(
      "1 file(s) not yet taken: the next run may differ (acme/warehouse/east: b.csv)",
    );
    s.orders("shop", "o.csv", ["1,1,A,4,2026-11-20T12:30:00Z,open"]);
    await s.run({ carts: ["other"] }); // loads the files; only the other cart is synced
    const after = JSON.parse((await cli("diff", "--config", s.configPath, "--cart", "shop", "--json")).out);
    expect(after.waiting.files).toEqual([]);
    expect(after).toMatchObject({
      next: { wouldSend: true, reason: "news" },
      added: [{ code: "D", before: null, after: 2 }],
      removed: [],
      changed: [
        { code: "A", before: 10, after: 6 },
        { code: "B", before: 5, after: 6 },
        { code: "C", before: 1, after: 0 },
      ],
      unchanged: 0,
    });
    expect(s.outputs("shop")).toHaveLength(1);
  });
});
