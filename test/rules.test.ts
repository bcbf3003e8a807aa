import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { Scenario } from "./helpers/scenario.js";

const T = "2026-11-20T11:00:00Z";
let s: Scenario;
afterEach(() => s?.cleanup());

describe("rule 1: quantity available, never on hand", () => {
  it("sends available even when on hand is larger", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,50,,${T}`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
  it("a bad on-hand value is a warning on its line and never blocks that line's available", async () => {
    s = new Scenario();
    s.inventory("east", "first.csv", [`A,10,,,${T}`, `B,4,,,${T}`]);
    await s.run();
    s.inventory("east", "second.csv", [`A,7,lots,,2026-11-20T12:00:00Z`, `B,3,2.5,,2026-11-20T12:00:00Z`]);
    const r = await s.run();
    const file = r.files.find((f) => f.name === "second.csv")!;
    expect(file).toMatchObject({ status: "loaded", rowsRejected: 0, rowsWarned: 2 });
    expect(file.warnings.map((w) => [w.line, w.field, w.value, w.sku, w.severity])).toEqual([
      [2, "quantity_on_hand", "lots", "A", "warning"],
      [3, "quantity_on_hand", "2.5", "B", "warning"],
    ]);
    expect(file.warnings[0].reason).toMatch(/left empty, the line still loads/);
    expect(r.exitCode).toBe(0);
    expect(s.latest("shop")).toEqual({ A: 7, B: 3 });
    expect((await s.levels()).map((l) => ({ sku: l.sku, onHand: l.onHand }))).toEqual([
      { sku: "A", onHand: null },
      { sku: "B", onHand: null },
    ]);
    const rejects = readFileSync(file.rejectsFile!, "utf8").trim().split(/\r?\n/);
    expect(rejects[0]).toBe("line,severity,sku,order_id,field,value,reason");
    expect(rejects[1]).toMatch(/^2,warning,A,,quantity_on_hand,lots,/);
  });
});

describe("rule 2: lot/batch lines are summarised", () => {
  it("adds up several lines of one SKU in one warehouse file", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,20,24,L1,${T}`, `A,15,15,L2,${T}`, `B,3,3,L3,${T}`, `A,1,1,L4,${T}`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 36, B: 3 });
    expect((await s.levels()).filter((l) => l.sku === "A")).toEqual([
      expect.objectContaining({ available: 36, onHand: 40 }),
    ]);
  });
});

describe("rule 3: whole numbers only", () => {
  it("rejects a fractional line, loads the rest, and the SKU keeps its previous level", async () => {
    s = new Scenario();
    s.inventory("east", "first.csv", [`A,10,,,${T}`, `B,1,,,${T}`]);
    await s.run();
    s.inventory("east", "second.csv", [
      `A,12.5,,,2026-11-20T12:00:00Z`,
      `B,3,,,2026-11-20T12:00:00Z`,
      `C,abc,,,2026-11-20T12:00:00Z`,
    ]);
    const r = await s.run();
    expect(r.exitCode).toBe(1);
    const file = r.files.find((f) => f.name === "second.csv")!;
    expect(file.status).toBe("loaded_with_rejects");
    expect(file.rejects.map((e) => [e.file, e.line, e.value])).toEqual([
      ["second.csv", 2, "12.5"],
      ["second.csv", 4, "abc"],
    ]);
    expect(file.rejects[0].reason).toMatch(/not a whole number/);
    expect(s.latest("shop")).toEqual({ A: 10, B: 3 });
  });
  it("one rejected lot line holds back the SKU's other lots: it keeps its previous level, and the report says why", async () => {
    s = new Scenario();
    s.inventory("east", "first.csv", [`A,10,,,${T}`, `B,1,,,${T}`]);
    await s.run();
    const later = "2026-11-20T12:00:00Z";
    s.inventory("east", "second.csv", [
      `A,5,,L1,${later}`,
      `B,3,,L1,${later}`,
      `A,2.5,,L2,${later}`,
      `A,4,,L3,${later}`,
    ]);
    const r = await s.run();
    const file = r.files.find((f) => f.name === "second.csv")!;
    expect(r.exitCode).toBe(1);
    expect(file).toMatchObject({ rowsRead: 4, rowsRejected: 3, rowsLoaded: 1, linesLoaded: 1 });
    expect(file.rejects.map((e) => [e.line, e.sku])).toEqual([
      [2, "A"],
      [4, "A"],
      [5, "A"],
    ]);
    expect(file.rejects[0].reason).toMatch(/line 4 of SKU A was rejected.*keeps its previous level/);
    expect(s.latest("shop")).toEqual({ A: 10, B: 3 });
  });
  it("a quantity beyond the bound of a trillion units is rejected by line, and so is a sum of lots beyond it", async () => {
    s = new Scenario();
    s.inventory("east", "first.csv", [`A,10,,,${T}`, `B,1,,,${T}`, `C,1,,,${T}`]);
    await s.run();
    const later = "2026-11-20T12:00:00Z";
    const big = "9007199254740991"; // 2^53 - 1: a safe integer, beyond the bound
    const near = "600000000000";
    s.inventory("east", "second.csv", [
      `A,${big},,,${later}`,
      `B,${near},,L1,${later}`,
      `B,${near},,L2,${later}`,
      `C,7,,,${later}`,
    ]);
    const r = await s.run();
    const file = r.files.find((f) => f.name === "second.csv")!;
    expect(file.rejects.map((e) => [e.line, e.reason.match(/beyond the limit/) !== null])).toEqual([
      [2, true],
      [3, true],
      [4, true],
    ]);
    expect(s.latest("shop")).toEqual({ A: 10, B: 1, C: 7 });
  });
  it("never rounds: 12.0 is whole, 12.5 is not", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,12.0,,,${T}`, `B,12.5,,,${T}`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 12 });
  });
});

describe("rule 4: sync only on news", () => {
  it("no news means no file", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "skipped", reason: "no-news" });
    expect(s.outputs("shop")).toHaveLength(1);
  });
  it("new orders alone are not news", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    s.orders("shop", "o.csv", ["1,1,A,2,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.outputs("shop")).toHaveLength(1);
  });
  it("a new warehouse file is news, and the file is a full snapshot", async () => {
    s = new Scenario();
    s.inventory("east", "inv1.csv", [`A,10,,,${T}`, `B,5,,,${T}`]);
    await s.run();
    s.inventory("east", "inv2.csv", [`A,7,,,2026-11-20T12:00:00Z`]);
    await s.run();
    expect(s.outputs("shop")).toHaveLength(2);
    expect(s.latest("shop")).toEqual({ A: 7, B: 5 });
  });
  it("send-all sends a file on every run without news", async () => {
    s = new Scenario({ carts: [{ id: "edi", sendAll: true }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    await s.run();
    await s.run();
    expect(s.outputs("edi")).toHaveLength(3);
  });
  it("news from a warehouse the cart does not draw from is not news for it", async () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }], carts: [{ id: "shop", warehouse: "east" }] });
    s.inventory("east", "e.csv", [`A,10,,,${T}`]);
    await s.run();
    s.inventory("west", "w.csv", [`A,4,,,${T}`]);
    const r = await s.run();
    expect(r.carts[0].reason).toBe("no-news");
  });
  it("a file whose every line is stale is not news", async () => {
    s = new Scenario();
    s.inventory("east", "new.csv", [`A,10,,,2026-11-20T12:00:00Z`]);
    await s.run();
    s.inventory("east", "old.csv", [`A,99,,,2026-11-20T08:00:00Z`]);
    const r = await s.run();
    expect(r.carts[0].reason).toBe("no-news");
  });
  it("a change of the cart's settings sends a full file", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    const config = readFileSync(s.configPath, "utf8").replace("minimumLevel: 0", "minimumLevel: 20");
    s.write("stockfeed.yaml", config);
    const r = await s.run();
    expect(r.carts[0].reason).toBe("settings-changed");
    expect(s.latest("shop")).toEqual({ A: 0 });
  });
});

describe("rule 5: orders placed after the snapshot are subtracted", () => {
  it("subtracts later orders, not earlier ones, not ones at the as-of instant, not cancelled ones", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,100,,,2026-11-20T06:00:00-05:00`]);
    s.orders("shop", "o.csv", [
      "1,1,A,1,2026-11-20T10:59:59Z,open",
      "2,1,A,2,2026-11-20T11:00:00Z,open",
      "3,1,A,4,2026-11-20T11:00:01Z,open",
      "4,1,A,8,2026-11-20T12:00:00Z,cancelled",
      "5,1,A,16,2026-11-20T12:30:00+01:00,open",
      "6,1,A,32,2026-11-20T07:30:00-05:00,shipped",
    ]);
    await s.run();
    // as-of 11:00Z. Counted: 3 (11:00:01Z), 5 (12:30+01:00 = 11:30Z), 6 (07:30-05:00 = 12:30Z, shipped).
    // Not: 1 (before), 2 (at the as-of instant), 4 (cancelled).
    expect(s.latest("shop")).toEqual({ A: 100 - 4 - 16 - 32 });
  });
  it("counts an order line seen in two files once", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,100,,,${T}`]);
    s.orders("shop", "o1.csv", ["1,1,A,5,2026-11-20T12:00:00Z,open", "1,2,A,1,2026-11-20T12:00:00Z,open"]);
    s.orders("shop", "o2.csv", ["1,1,A,5,2026-11-20T12:00:00Z,open", "1,1,A,5,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 94 });
    expect((await s.facts("shop", "A")).orders.map((o) => [o.orderId, o.line, o.timesSeen])).toEqual([
      ["1", 1, 3],
      ["1", 2, 1],
    ]);
  });
  it("a later cancellation of the same line stops it being subtracted", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,100,,,${T}`]);
    s.orders("shop", "o1.csv", ["1,1,A,5,2026-11-20T12:00:00Z,open"]);
    s.orders("shop", "o2.csv", ["1,1,A,5,2026-11-20T12:00:00Z,canceled"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 100 });
  });
  it("subtracts orders from every cart of the merchant, not just the one synced", async () => {
    s = new Scenario({
      carts: [
        { id: "shop", orders: true },
        { id: "market", orders: true },
      ],
    });
    s.inventory("east", "inv.csv", [`A,100,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,5,2026-11-20T12:00:00Z,open"]);
    s.orders("market", "o.csv", ["1,1,A,7,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 88 });
    expect(s.latest("market")).toEqual({ A: 88 });
  });
  it("a newer warehouse snapshot absorbs the orders placed before its as-of", async () => {
    s = new Scenario();
    s.inventory("east", "inv1.csv", [`A,100,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,5,2026-11-20T12:00:00Z,open", "2,1,A,3,2026-11-20T14:00:00Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 92 });
    s.inventory("east", "inv2.csv", [`A,95,,,2026-11-20T13:00:00Z`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 92 });
  });
  it("with several warehouses, uses the oldest as-of among those that carry the SKU", async () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }] });
    s.inventory("east", "e.csv", [`A,10,,,2026-11-20T10:00:00Z`, `B,10,,,2026-11-20T10:00:00Z`]);
    s.inventory("west", "w.csv", [`A,10,,,2026-11-20T14:00:00Z`]);
    s.orders("shop", "o.csv", ["1,1,A,2,2026-11-20T12:00:00Z,open", "2,1,B,3,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 18, B: 7 });
  });
  it("with two warehouses, an order at the as-of instant of the older one is inside the snapshot; a second later counts", async () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }] });
    s.inventory("east", "e.csv", [`A,10,,,2026-11-20T10:00:00Z`]);
    s.inventory("west", "w.csv", [`A,10,,,2026-11-20T14:00:00Z`]);
    s.orders("shop", "o.csv", ["1,1,A,2,2026-11-20T10:00:00Z,open", "2,1,A,3,2026-11-20T10:00:01Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 20 - 3 });
  });
  it("an order by an alias code that two products share counts against neither (never guessed)", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", orders: true }] });
    s.aliases("a.csv", ["A,upc,0001", "B,upc,0001", "C,upc,0003"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,10,,,${T}`, `C,10,,,${T}`]);
    s.orders("market", "o.csv", ["M1,1,0001,3,2026-11-20T12:00:00Z,open", "M2,1,0003,4,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("market")).toEqual({ A: 10, B: 10, C: 6 });
  });
  it("an order by an alias code counts against its product", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", orders: true }] });
    s.aliases("a.csv", ["A,upc,0001"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    s.orders("market", "o.csv", ["M1,1,0001,3,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("market")).toEqual({ A: 7 });
  });
});

describe("rule 6: which warehouses", () => {
  it("a cart syncs from one named warehouse or from all summed", async () => {
    s = new Scenario({
      warehouses: [{ id: "east" }, { id: "west" }],
      carts: [{ id: "one", warehouse: "west" }, { id: "every" }],
    });
    s.inventory("east", "e.csv", [`A,10,,,${T}`, `B,1,,,${T}`]);
    s.inventory("west", "w.csv", [`A,5,,,${T}`]);
    await s.run();
    expect(s.latest("one")).toEqual({ A: 5 });
    expect(s.latest("every")).toEqual({ A: 15, B: 1 });
  });
});

describe("rule 7: same SKU, many carts", () => {
  it("every cart gets the full available quantity", async () => {
    s = new Scenario({ carts: [{ id: "a" }, { id: "b" }, { id: "c" }] });
    s.inventory("east", "inv.csv", [`A,9,,,${T}`]);
    await s.run();
    expect([s.latest("a"), s.latest("b"), s.latest("c")]).toEqual([{ A: 9 }, { A: 9 }, { A: 9 }]);
  });
});

describe("rule 8: minimum inventory level per cart", () => {
  it("minimum 5: 4 becomes 0, 5 stays 5; levels below zero are sent as 0", async () => {
    s = new Scenario({
      carts: [
        { id: "shop", minimumLevel: 5, orders: true },
        { id: "nomin", orders: false },
      ],
    });
    s.inventory("east", "inv.csv", [`A,4,,,${T}`, `B,5,,,${T}`, `C,2,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,C,3,2026-11-20T12:00:00Z,open"]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 0, B: 5, C: 0 });
    expect(s.latest("nomin")).toEqual({ A: 4, B: 5, C: 0 });
  });
});

describe("rule 9: push inventory using alias", () => {
  it("carries the alias code instead of the SKU and leaves out products without it, reported", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,UPC,0001", "B,asin,B0B", "C,upc,0003"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,4,,,${T}`, `C,2,,,${T}`]);
    const r = await s.run();
    expect(s.latest("market")).toEqual({ "0001": 10, "0003": 2 });
    expect(r.carts[0].skipped["no-alias"]).toBe(1);
    expect(r.carts[0].skippedExamples).toEqual([{ sku: "B", code: null, reason: "no-alias" }]);
  });
  it("an alias code shared by two SKUs is an error, reported, never guessed", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "market", alias: "upc" }] });
    s.aliases("a.csv", ["A,upc,0001", "B,upc,0001", "C,upc,0003"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,4,,,${T}`, `C,2,,,${T}`]);
    const r = await s.run();
    expect(s.latest("market")).toEqual({ "0003": 2 });
    expect(r.carts[0].skipped["duplicate-alias"]).toBe(2);
  });
});

describe("rule 10: inventory upload service", () => {
  it("off means no inventory file for that cart", async () => {
    s = new Scenario({ carts: [{ id: "shop", inventoryUpload: false, sendAll: true }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "skipped", reason: "upload-off" });
    expect(s.outputs("shop")).toEqual([]);
  });
});

describe("rule 11: synchronization with WMS - inventory", () => {
  it("off leaves warehouse files untouched", async () => {
    s = new Scenario({ inventorySync: "off" });
    const f = s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = await s.run();
    expect(existsSync(f)).toBe(true);
    expect(r.files).toEqual([]);
    expect(s.outputs("shop")).toEqual([]);
  });
  it("automatic takes the files the warehouse pushed", async () => {
    s = new Scenario({ inventorySync: "automatic" });
    const f = s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    await s.run();
    expect(existsSync(f)).toBe(false);
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
});

describe("rule 12: schedules are per cart", () => {
  it("stores each cart's schedule and refuses one that is not a cron expression", async () => {
    s = new Scenario({
      carts: [{ id: "shop" }, { id: "slow" }],
      patch: (c) => {
        const carts = (c.merchants as Array<{ carts: Array<Record<string, unknown>> }>)[0].carts;
        carts[0].schedule = "*/5 * * * *";
        carts[1].schedule = "every tuesday";
      },
    });
    await expect(s.run()).rejects.toThrow(ConfigError);
  });
  it("--cart syncs only the carts named", async () => {
    s = new Scenario({ carts: [{ id: "shop" }, { id: "other" }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = await s.run({ carts: ["other"] });
    expect(r.carts.map((c) => c.cart)).toEqual(["other"]);
    expect(s.outputs("shop")).toEqual([]);
    expect(s.outputs("other")).toHaveLength(1);
  });
});

describe("rule 13: full or partial warehouse snapshots", () => {
  it("partial updates only the SKUs listed", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,10,,,${T}`]);
    s.inventory("east", "b.csv", [`A,3,,,2026-11-20T12:00:00Z`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 3, B: 10 });
  });
  it("full sets a SKU missing from the file to 0", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,10,,,${T}`]);
    s.inventory("east", "b.csv", [`A,3,,,2026-11-20T12:00:00Z`]);
    const r = await s.run();
    expect(r.files[1].rowsZeroed).toBe(1);
    expect(s.latest("shop")).toEqual({ A: 3, B: 0 });
  });
  it("full does not zero a SKU whose line was rejected: it keeps its level", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,10,,,${T}`]);
    s.inventory("east", "b.csv", [`A,3,,,2026-11-20T12:00:00Z`, `B,2.5,,,2026-11-20T12:00:00Z`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 3, B: 10 });
  });
  it("full does not zero a SKU whose level is newer than the file", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [`A,10,,,2026-11-20T15:00:00Z`, `B,10,,,2026-11-20T09:00:00Z`]);
    s.inventory("east", "b.csv", [`C,3,,,2026-11-20T12:00:00Z`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 10, B: 0, C: 3 });
  });
  it("a full snapshot whose every line is rejected is quarantined, never applied", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,10,,,${T}`]);
    await s.run();
    s.inventory("east", "bad.csv", [`,5,,,2026-11-20T12:00:00Z`]);
    const r = await s.run();
    expect(r.exitCode).toBe(1);
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/no line that loads.*line 2: sku is required/),
    });
    expect(r.files[0].storedAt).toContain("quarantine");
    expect(existsSync(r.files[0].storedAt!)).toBe(true);
    expect(s.latest("shop")).toEqual({ A: 10, B: 10 });
  });
  it("the zero of a full snapshot is dated at its newest as-of: one old line does not stop it, a late file cannot undo it", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [
      `A,10,,,2026-11-20T10:00:00Z`,
      `B,10,,,2026-11-20T10:00:00Z`,
      `C,10,,,2026-11-20T10:00:00Z`,
    ]);
    await s.run();
    s.inventory("east", "b.csv", [`A,3,,,2026-11-20T12:00:00Z`, `C,1,,,2026-11-20T08:00:00Z`]);
    const r = await s.run();
    expect(r.files[0]).toMatchObject({ rowsZeroed: 1, rowsStale: 1 });
    expect((await s.levels()).filter((l) => l.sku === "B")).toEqual([
      expect.objectContaining({ asOf: Date.parse("2026-11-20T12:00:00Z") }),
    ]);
    s.inventory("east", "late.csv", [`B,8,,,2026-11-20T11:00:00Z`], {});
    s.patch((c: any) => (c.merchants[0].warehouses[0].snapshot = "partial"));
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 3, B: 0, C: 10 });
  });
  it("a full snapshot with no lines is quarantined, not applied", async () => {
    s = new Scenario({ warehouses: [{ id: "east", snapshot: "full" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    s.inventory("east", "empty.csv", []);
    const r = await s.run();
    expect(r.files[1]).toMatchObject({ status: "failed", error: expect.stringContaining("every SKU to 0") });
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
});

describe("rule 14: no file wins from the future, or from an implausible past", () => {
  const at = (iso: string) => ({ now: () => Date.parse(iso) });
  it("an as-of beyond the run's time plus the clock-skew tolerance is rejected; the SKU is not frozen", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,2026-11-20T12:00:00Z`]);
    await s.run(at("2026-11-20T12:30:00Z"));
    s.inventory("east", "b.csv", [`A,99,,,2066-11-20T12:00:00Z`, `B,5,,,2026-11-20T12:40:00Z`]);
    const r = await s.run(at("2026-11-20T12:30:00Z"));
    expect(r.exitCode).toBe(1);
    expect(r.files[0].rejects.map((e) => [e.line, e.field, e.value, e.sku])).toEqual([
      [2, "as_of", "2066-11-20T12:00:00Z", "A"],
    ]);
    expect(r.files[0].rejects[0].reason).toMatch(/later than the file was taken .*clock-skew tolerance \(900 s\)/);
    expect(s.latest("shop")).toEqual({ A: 10, B: 5 });
    s.inventory("east", "c.csv", [`A,7,,,2026-11-20T13:00:00Z`]);
    s.orders("shop", "o.csv", ["1,1,A,2,2026-11-20T13:10:00Z,open"]);
    await s.run(at("2026-11-20T13:30:00Z"));
    expect(s.latest("shop")).toEqual({ A: 5, B: 5 });
  });
  it("the tolerance is per source: 0 rejects a line a minute ahead", async () => {
    s = new Scenario();
    s.patch((c: any) => (c.merchants[0].warehouses[0].inventory.clockSkewSeconds = 0));
    s.inventory("east", "a.csv", [`A,10,,,2026-11-20T12:01:00Z`, `B,1,,,2026-11-20T12:00:00Z`]);
    const r = await s.run(at("2026-11-20T12:00:00Z"));
    expect(r.files[0].rejects.map((e) => e.line)).toEqual([2]);
    expect(s.latest("shop")).toEqual({ B: 1 });
  });
  it("an as-of before the source's floor is rejected; a year below 100 is that year, not 19xx", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,1999-12-31T23:59:59Z`, `B,1,,,0026-11-20T00:00:00Z`, `C,2,,,${T}`]);
    const r = await s.run(at("2026-11-20T12:00:00Z"));
    expect(r.files[0].rejects.map((e) => [e.line, e.value])).toEqual([
      [2, "1999-12-31T23:59:59Z"],
      [3, "0026-11-20T00:00:00Z"],
    ]);
    expect(r.files[0].rejects[0].reason).toMatch(/before the source's oldest plausible as-of 2000-01-01T00:00:00Z/);
    expect(s.latest("shop")).toEqual({ C: 2 });
  });
  it("the floor is per source (oldestAsOf)", async () => {
    s = new Scenario();
    s.patch((c: any) => (c.merchants[0].warehouses[0].inventory.oldestAsOf = "1990-01-01T00:00:00Z"));
    s.inventory("east", "a.csv", [`A,10,,,1999-12-31T23:59:59Z`]);
    await s.run(at("2026-11-20T12:00:00Z"));
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
});

describe("rule 14: late files never win", () => {
  it("an older file does not overwrite a newer level; it is kept as history and reported stale", async () => {
    s = new Scenario();
    s.inventory("east", "new.csv", [`A,10,,,2026-11-20T12:00:00Z`, `B,1,,,2026-11-20T12:00:00Z`]);
    s.inventory("east", "late.csv", [`A,99,,,2026-11-20T06:00:00-05:00`, `B,2,,,2026-11-20T13:00:00Z`]);
    const r = await s.run();
    expect(r.files[1]).toMatchObject({ name: "late.csv", rowsStale: 1 });
    expect(s.latest("shop")).toEqual({ A: 10, B: 2 });
    // kept as history: the stale records explain shows
    expect((await s.facts("shop", "A")).stale).toEqual([expect.objectContaining({ available: 99, file: "late.csv" })]);
    expect((await s.facts("shop", "B")).stale).toEqual([]);
  });
  it("a file with the same as-of replaces the level (not older)", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    s.inventory("east", "b.csv", [`A,11,,,${T}`]);
    await s.run();
    expect(s.latest("shop")).toEqual({ A: 11 });
  });
  it("an equal as-of is not stale: in a later run it replaces the level and is not counted stale", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,4,,,${T}`]);
    await s.run();
    s.inventory("east", "b.csv", [`A,12,,,${T}`, `B,5,,,2026-11-20T10:59:59Z`]);
    const r = await s.run();
    expect(r.files[0]).toMatchObject({ name: "b.csv", rowsStale: 1 }); // B only
    expect(r.carts[0]).toMatchObject({ action: "sent", reason: "news" });
    expect(s.latest("shop")).toEqual({ A: 12, B: 4 });
    expect((await s.facts("shop", "B")).stale).toEqual([expect.objectContaining({ available: 5, file: "b.csv" })]);
    expect((await s.facts("shop", "A")).stale).toEqual([]);
  });
  it("a line without as-of takes the file's modification time", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,2026-11-20T12:00:00Z`]);
    s.inventory("east", "b.csv", ["A,3,,,"], { mtime: "2026-11-20T11:00:00Z" });
    const r = await s.run();
    expect(r.files[1].rowsStale).toBe(1);
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
});

describe("rule 15: channel allocation", () => {
  it("a < minimum sends 0; else min(maximum, floor((a - buffer) * percent / 100)), never below 0", async () => {
    s = new Scenario({ carts: [{ id: "shop", minimumLevel: 5, buffer: 2, percent: 50, maximum: 20, orders: true }] });
    s.inventory("east", "inv.csv", [`A,35,,,${T}`, `B,4,,,${T}`, `C,5,,,${T}`, `D,500,,,${T}`, `E,6,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,4,2026-11-20T12:00:00Z,open"]);
    await s.run();
    // A: 31 -> (29 * 50 / 100) = 14; B: below 5 -> 0; C: (3 * .5) = 1; D: capped 20; E: (4 * .5) = 2
    expect(s.latest("shop")).toEqual({ A: 14, B: 0, C: 1, D: 20, E: 2 });
  });
});
