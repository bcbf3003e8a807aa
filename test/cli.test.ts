import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { stockfeed } from "./helpers/cli.js";
import { Scenario } from "./helpers/scenario.js";

const T = "2026-11-20T11:00:00Z";

let s: Scenario;
afterEach(() => s?.cleanup());

function demoLike(): Scenario {
  const sc = new Scenario({
    aliases: true,
    carts: [
      { id: "shop", orders: true, catalog: true },
      { id: "market", alias: "upc", minimumLevel: 5 },
    ],
  });
  sc.aliases("a.csv", ["A,upc,0001", "B,upc,0002", "C,upc,0002"]);
  sc.catalog("shop", "c.csv", ["A,Y", "B,N", "ONLY-IN-CART,Y"]);
  sc.inventory("east", "inv.csv", [`A,10,12,,${T}`, `B,3,3,,${T}`, `C,4,4,,${T}`]);
  return sc;
}

describe("stockfeed check and --version", () => {
  it("check validates the config and its mappings, writes nothing, exits 0 or 2", () => {
    s = new Scenario();
    const ok = stockfeed("check", "--config", s.configPath);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK: 1 merchant\(s\), 1 warehouse\(s\), 1 cart\(s\); every mapping compiles/);
    expect(existsSync(s.path("state"))).toBe(false);
    s.patch((c: any) => {
      c.merchants[0].colour = "red";
      c.merchants[0].carts[0].output.mapping = s.path("missing.yaml");
    });
    const bad = stockfeed("check", "--config", s.configPath, "--json");
    expect(bad.code).toBe(2);
    const doc = JSON.parse(bad.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.problems.join("\n")).toMatch(/unknown key[\s\S]*missing\.yaml/);
  });
  it("--version prints the version", () => {
    const r = stockfeed("--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("stockfeed run: exit codes", () => {
  it("exits 0 when all went well, with nothing on stderr", () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = stockfeed("run", "--config", s.configPath);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shop\s+sent\s+first sync/);
  });
  it("exits 1 when a line was rejected and the rest was done", () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,1.5,,,${T}`]);
    const r = stockfeed("run", "--config", s.configPath);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('reject inv.csv:3: quantity_available "1.5": quantity is not a whole number');
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
  it("exits 2 for a bad config before anything moves", () => {
    s = new Scenario({ patch: (c) => ((c.merchants as Array<Record<string, unknown>>)[0].colour = "red") });
    const f = s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = stockfeed("run", "--config", s.configPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stockfeed\.yaml:\d+: merchants\[0\]\.colour: unknown key/);
    expect(existsSync(f)).toBe(true);
    expect(existsSync(s.path("state"))).toBe(false);
  });
  it("exits 2 for an unknown cart or option before anything moves", () => {
    s = new Scenario();
    const f = s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    expect(stockfeed("run", "--config", s.configPath, "--cart", "nope")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no cart "nope"'),
    });
    expect(stockfeed("run", "--config", s.configPath, "--frobnicate").code).toBe(2);
    expect(stockfeed("run").code).toBe(2);
    expect(existsSync(f)).toBe(true);
  });
  it("--json prints one JSON document on stdout", () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = stockfeed("run", "--config", s.configPath, "--json");
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      exitCode: 0,
      dryRun: false,
      carts: [{ cart: "shop", action: "sent", rows: 1, units: 10 }],
    });
  });
  it("--verbose logs pino JSON events on stderr", () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = stockfeed("--verbose", "run", "--config", s.configPath);
    const events = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).msg);
    expect(events).toEqual(["file loaded", "file archived", "cart file delivered"]);
  });
  it("--dry-run prints what would be sent", () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = stockfeed("run", "--config", s.configPath, "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("dry run");
    expect(r.stdout).toContain("shop: would send A = 10");
    expect(s.outputs("shop")).toEqual([]);
  });
});

describe("operator commands", () => {
  it("status shows N/A before any inventory run, then the last file, its status and rejects", () => {
    s = new Scenario();
    const before = JSON.parse(stockfeed("status", "--config", s.configPath, "--json").stdout);
    expect(before.warehouses).toEqual([{ merchant: "acme", inventorySync: "on", warehouse: "east", lastRun: "N/A" }]);
    expect(before.carts[0].lastSync).toBe("NEVER");
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,x,,,${T}`]);
    stockfeed("run", "--config", s.configPath);
    const after = JSON.parse(stockfeed("status", "--config", s.configPath, "--json").stdout);
    expect(after.warehouses[0].lastRun).toMatchObject({
      file: "inv.csv",
      status: "loaded_with_rejects",
      rows: 2,
      rejected: 1,
    });
    expect(after.carts[0].lastSync).toMatchObject({ file: "shop-0001.csv", rows: 1, units: 10 });
    expect(stockfeed("status", "--config", s.configPath).stdout).toMatch(/east\s+\S+\s+inv\.csv\s+loaded_with_rejects/);
  });
  it("view-sync lists the cart's SKUs, inventory enabled, last sync or NEVER with its reason", () => {
    s = demoLike();
    stockfeed("run", "--config", s.configPath);
    const rows = JSON.parse(
      stockfeed("view-sync", "--config", s.configPath, "--cart", "shop", "--json", "--now", "2026-11-20T12:00:00Z")
        .stdout,
    ).rows;
    expect(rows).toEqual([
      {
        sku: "A",
        inventoryEnabled: true,
        lastCartSyncAt: expect.any(Number),
        lastQuantity: 10,
        reason: null,
        asOf: Date.parse(T),
        problem: false,
      },
      {
        sku: "B",
        inventoryEnabled: false,
        lastCartSyncAt: "NEVER",
        lastQuantity: null,
        reason: expect.stringContaining("inventory is disabled in the cart"),
        asOf: null,
        problem: true,
      },
      {
        sku: "C",
        inventoryEnabled: null,
        lastCartSyncAt: expect.any(Number),
        lastQuantity: 4,
        reason: null,
        asOf: Date.parse(T),
        problem: false,
      },
      {
        sku: "ONLY-IN-CART",
        inventoryEnabled: true,
        lastCartSyncAt: "NEVER",
        lastQuantity: null,
        reason: expect.stringContaining("no matching SKU on the warehouse side"),
        asOf: null,
        problem: true,
      },
    ]);
    const market = JSON.parse(
      stockfeed("view-sync", "--config", s.configPath, "--cart", "market", "--json").stdout,
    ).rows;
    expect(market).toMatchObject([
      { sku: "0001", inventoryEnabled: null, lastCartSyncAt: expect.any(Number), lastQuantity: 10 },
    ]);
  });
  it("view-sync says NEVER because the inventory upload is off", () => {
    s = new Scenario({ carts: [{ id: "shop", inventoryUpload: false, catalog: true }] });
    s.catalog("shop", "c.csv", ["A,Y"]);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    stockfeed("run", "--config", s.configPath);
    const rows = JSON.parse(stockfeed("view-sync", "--config", s.configPath, "--cart", "shop", "--json").stdout).rows;
    expect(rows[0]).toMatchObject({ lastCartSyncAt: "NEVER", reason: "inventory upload is off for this cart" });
  });
  it("the last cart sync time updates on every sync that included the SKU, even when the level did not change", () => {
    s = new Scenario({ carts: [{ id: "shop", sendAll: true }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    stockfeed("run", "--config", s.configPath, "--now", "2026-11-23T08:00:00Z");
    stockfeed("run", "--config", s.configPath, "--now", "2026-11-23T09:00:00Z");
    const rows = JSON.parse(stockfeed("view-sync", "--config", s.configPath, "--cart", "shop", "--json").stdout).rows;
    expect(rows).toMatchObject([
      { sku: "A", inventoryEnabled: null, lastCartSyncAt: Date.parse("2026-11-23T09:00:00Z"), lastQuantity: 10 },
    ]);
  });
  it("locations shows per warehouse SKU levels with when each was loaded, and the summary over all warehouses", () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }] });
    s.inventory("east", "e.csv", [`A,10,12,,${T}`]);
    s.inventory("west", "w.csv", [`A,5,5,,${T}`, `B,1,,,${T}`]);
    stockfeed("run", "--config", s.configPath, "--now", "2026-11-23T08:00:00Z");
    const east = JSON.parse(stockfeed("locations", "--config", s.configPath, "--warehouse", "east", "--json").stdout);
    expect(east.rows).toEqual([
      {
        merchant: "acme",
        warehouse: "east",
        sku: "A",
        available: 10,
        onHand: 12,
        asOf: Date.parse(T),
        loadedAt: Date.parse("2026-11-23T08:00:00Z"),
        file: "e.csv",
      },
    ]);
    const summary = JSON.parse(stockfeed("locations", "--config", s.configPath, "--json").stdout).summary;
    expect(summary).toEqual([
      { merchant: "acme", sku: "A", available: 15, onHand: 17, warehouses: 2 },
      { merchant: "acme", sku: "B", available: 1, onHand: null, warehouses: 1 },
    ]);
    expect(stockfeed("locations", "--config", s.configPath, "--warehouse", "north").code).toBe(2);
  });
  it("sku finds a SKU or alias code and flags an alias code on more than one product", () => {
    s = demoLike();
    stockfeed("run", "--config", s.configPath);
    const r = stockfeed("sku", "0002", "--config", s.configPath);
    expect(r.stdout).toContain("ERROR: upc alias 0002 of merchant acme points to 2 products (B, C)");
    const a = JSON.parse(stockfeed("sku", "A", "--config", s.configPath, "--json").stdout);
    expect(a.asSku).toMatchObject([{ warehouse: "east", available: 10, onHand: 12 }]);
    expect(a.aliasesOfSku).toEqual([{ merchant: "acme", aliasType: "upc", code: "0001" }]);
    expect(a.lastSent.map((x: { cart: string }) => x.cart).sort()).toEqual(["market", "shop"]);
    expect(r.code).toBe(1);
    expect(stockfeed("sku", "A", "--config", s.configPath).code).toBe(0);
    const none = stockfeed("sku", "NOPE", "--config", s.configPath);
    expect(none.stdout).toMatch(/not found/);
    expect(none.code).toBe(1);
  });
});
