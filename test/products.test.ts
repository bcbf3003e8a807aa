/**
 * Product sync, cart to WMS (DOMAIN.md "Product sync", seeds/product-sync.txt): the cart's
 * catalog, read through its channel mapping, becomes product files for the WMS of its
 * inventory location. Real files, real SQLite, the real pipeline.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Papa from "papaparse";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { ConfigError } from "../src/errors.js";
import { openStore } from "../src/state/store.js";
import { collect } from "../src/util/iterate.js";
import { stockfeed } from "./helpers/cli.js";
import { MAPPINGS, SAMPLES, Scenario } from "./helpers/scenario.js";

const SHOPIFY = readFileSync(join(SAMPLES, "catalog/shopify/products_export_1.csv"), "utf8");

let scenarios: Scenario[] = [];
afterEach(() => {
  for (const s of scenarios) s.cleanup();
  scenarios = [];
});

type Sync = { enabled?: boolean; downloadUpdates?: boolean; syncPrice?: boolean; inventoryLocation?: string };

/** A merchant whose east WMS takes product files, and a Shopify cart whose catalog feeds it. */
function shopScenario(sync: Sync = { enabled: true }, more: { details?: boolean } = {}): Scenario {
  const s = new Scenario({
    warehouses: [{ id: "east" }, { id: "west" }],
    carts: [{ id: "shop" }],
    patch: (c) => {
      const m = (c.merchants as Array<Record<string, unknown>>)[0];
      const [east] = m.warehouses as Array<Record<string, unknown>>;
      east.productOutput = {
        mapping: join(MAPPINGS, "products/wms-generic-csv.yaml"),
        destination: { transport: "local", dir: "out/wms-east" },
        filename: "products-{cart}-{seq:3}.csv",
      };
      if (more.details)
        east.products = {
          source: { transport: "local", dir: "in/products/east", match: "*.csv" },
          mapping: join(MAPPINGS, "catalog/wms-products-csv.yaml"),
        };
      const [shop] = m.carts as Array<Record<string, unknown>>;
      shop.catalog = {
        source: { transport: "local", dir: "in/catalog/shop", match: "*.csv" },
        mapping: join(MAPPINGS, "catalog/shopify-products.yaml"),
      };
      shop.productSync = sync;
    },
  });
  scenarios.push(s);
  return s;
}

/** The product files the east WMS received, oldest first, as header + rows. */
function productFiles(s: Scenario): Array<{ name: string; header: string[]; rows: Record<string, string>[] }> {
  const dir = s.path("out", "wms-east");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const parsed = Papa.parse<Record<string, string>>(readFileSync(join(dir, name), "utf8"), {
        header: true,
        skipEmptyLines: true,
      });
      return { name, header: parsed.meta.fields ?? [], rows: parsed.data };
    });
}

const skus = (f: { rows: Record<string, string>[] }) => f.rows.map((r) => r.sku).sort();

/** The Shopify export with the tee renamed and one new product appended. */
const CHANGED =
  SHOPIFY.replace('ACME Classic Tee, ""Crew"" Neck', 'ACME Classic Tee, ""Crew"" Neck (organic)') +
  "acme-cap,ACME Cap,<p>Cap</p>,ACME,,Hats,,TRUE,Title,Default Title,,,,,CAP-1,90,shopify,5,deny,manual,15.00,,TRUE,TRUE,,,,,FALSE,,,,g,,,active\n";

describe("automated product sync: new products, updates, prices", () => {
  it("sends the cart's new products to its inventory location's WMS, each once", async () => {
    const s = shopScenario({ enabled: true });
    s.write("in/catalog/shop/products_export_1.csv", SHOPIFY);
    const r1 = await s.run();
    expect(r1.products).toEqual([
      expect.objectContaining({
        cart: "shop",
        warehouse: "east",
        mode: "sync",
        action: "sent",
        products: 6,
        newProducts: 6,
      }),
    ]);
    const [f1] = productFiles(s);
    expect(f1.name).toBe("products-shop-001.csv");
    expect(skus(f1)).toEqual([
      "GIFT-CARD-50",
      "HOODIE-GRY-XL",
      "MUG-WHITE",
      "SOCKS-3PK",
      "TSHIRT-BLU-L",
      "TSHIRT-RED-M",
    ]);
    expect(f1.rows.find((r) => r.sku === "TSHIRT-BLU-L")).toEqual(
      expect.objectContaining({
        name: 'ACME Classic Tee, "Crew" Neck',
        weight_lbs: "0.4299",
        attribute_values: "Blue|L",
        upc: "0012345678912",
        product_id: "acme-classic-tee",
      }),
    );
    // no news: no file
    const r2 = await s.run();
    expect(r2.products[0]).toEqual(expect.objectContaining({ action: "nothing-to-send", products: 0, unchanged: 6 }));
    expect(productFiles(s)).toHaveLength(1);
  });

  it("without downloadUpdates only new products are sent: a changed product is not sent again", async () => {
    const s = shopScenario({ enabled: true, downloadUpdates: false });
    s.write("in/catalog/shop/products_export_1.csv", SHOPIFY);
    await s.run();
    s.write("in/catalog/shop/products_export_2.csv", CHANGED);
    const r = await s.run();
    expect(r.products[0]).toEqual(
      expect.objectContaining({ action: "sent", products: 1, newProducts: 1, updatedProducts: 0 }),
    );
    expect(skus(productFiles(s)[1])).toEqual(["CAP-1"]);
  });

  it("with downloadUpdates, products whose mapped fields changed since last sent go too (content hash)", async () => {
    const s = shopScenario({ enabled: true, downloadUpdates: true });
    s.write("in/catalog/shop/products_export_1.csv", SHOPIFY);
    await s.run();
    s.write("in/catalog/shop/products_export_2.csv", CHANGED);
    const r = await s.run();
    // the tee's title is shared by its two variants: both changed
    expect(r.products[0]).toEqual(
      expect.objectContaining({ action: "sent", products: 3, newProducts: 1, updatedProducts: 2, unchanged: 4 }),
    );
    const f2 = productFiles(s)[1];
    expect(skus(f2)).toEqual(["CAP-1", "TSHIRT-BLU-L", "TSHIRT-RED-M"]);
    expect(f2.rows.find((x) => x.sku === "TSHIRT-RED-M")!.name).toBe('ACME Classic Tee, "Crew" Neck (organic)');
  });

  it("without syncPrice the price columns are left out and a price change is no change; with it prices go and count", async () => {
    const priced = SHOPIFY.replace(",19.99,24.99,TRUE,TRUE,0012345678905,", ",17.99,24.99,TRUE,TRUE,0012345678905,");
    const off = shopScenario({ enabled: true, downloadUpdates: true, syncPrice: false });
    off.write("in/catalog/shop/a.csv", SHOPIFY);
    await off.run();
    expect(productFiles(off)[0].header).not.toContain("retail_price");
    expect(productFiles(off)[0].header).not.toContain("regular_price");
    off.write("in/catalog/shop/b.csv", priced);
    expect((await off.run()).products[0]).toEqual(
      expect.objectContaining({ action: "nothing-to-send", priceIncluded: false }),
    );

    const on = shopScenario({ enabled: true, downloadUpdates: true, syncPrice: true });
    on.write("in/catalog/shop/a.csv", SHOPIFY);
    await on.run();
    expect(productFiles(on)[0].rows.find((r) => r.sku === "TSHIRT-RED-M")).toEqual(
      expect.objectContaining({ retail_price: "19.99", regular_price: "24.99" }),
    );
    on.write("in/catalog/shop/b.csv", priced);
    expect((await on.run()).products[0]).toEqual(
      expect.objectContaining({ action: "sent", products: 1, updatedProducts: 1 }),
    );
    expect(productFiles(on)[1].rows).toEqual([expect.objectContaining({ sku: "TSHIRT-RED-M", retail_price: "17.99" })]);
  });

  it("only one cart per merchant may have product sync enabled: a second is a config error naming both", () => {
    const s = shopScenario({ enabled: true });
    s.patch((c) => {
      const m = (c.merchants as Array<Record<string, unknown>>)[0];
      const carts = m.carts as Array<Record<string, unknown>>;
      carts.push({
        ...carts[0],
        id: "market",
        catalog: {
          ...(carts[0].catalog as object),
          source: { transport: "local", dir: "in/catalog/market", match: "*.csv" },
        },
        output: { ...(carts[0].output as object), destination: { transport: "local", dir: "out/market" } },
      });
    });
    expect(() => loadConfig(s.configPath)).toThrow(ConfigError);
    try {
      loadConfig(s.configPath);
    } catch (e) {
      expect((e as ConfigError).problems.join("\n")).toMatch(
        /product sync is already enabled for cart shop of merchant acme; only one cart per merchant may have it \(disable it in shop or in market\)/,
      );
    }
  });

  it("a product file that cannot be delivered waits in the outbox and goes first next run; nothing is sent twice", async () => {
    const s = shopScenario({ enabled: true });
    s.write("in/catalog/shop/a.csv", SHOPIFY);
    mkdirSync(s.path("out"), { recursive: true });
    writeFileSync(s.path("out", "wms-east"), "a file where the WMS folder should be");
    const r1 = await s.run();
    expect(r1.products[0]).toEqual(
      expect.objectContaining({ action: "failed", products: 6, error: expect.stringMatching(/waits in the outbox/) }),
    );
    rmSync(s.path("out", "wms-east"));
    const r2 = await s.run();
    expect(r2.products[0]).toEqual(
      expect.objectContaining({ action: "nothing-to-send", delivered: ["products-shop-001.csv"] }),
    );
    expect(productFiles(s).map((f) => f.name)).toEqual(["products-shop-001.csv"]);
    expect(skus(productFiles(s)[0])).toHaveLength(6);
  });

  it("the outbox ledger shows a product file like any outbox file: pending with its error, then delivered", async () => {
    const s = shopScenario({ enabled: true });
    s.write("in/catalog/shop/a.csv", SHOPIFY);
    mkdirSync(s.path("out"), { recursive: true });
    writeFileSync(s.path("out", "wms-east"), "a file where the WMS folder should be");
    await s.run();
    expect(await s.outbox({ kind: "products" })).toEqual([
      expect.objectContaining({ owner: "east", name: "products-shop-001.csv", status: "pending", attempts: 1 }),
    ]);
    expect((await s.outbox({ kind: "products" }))[0].error).toBeTruthy();
    rmSync(s.path("out", "wms-east"));
    await s.run();
    expect(await s.outbox({ kind: "products" })).toEqual([
      expect.objectContaining({ status: "delivered", attempts: 2, error: null, deliveredAt: expect.any(Number) }),
    ]);
  });
});

describe("status shows product files waiting", () => {
  it("a product file waiting in the outbox is listed by status, with its attempts and error, until delivered", async () => {
    const s = shopScenario({ enabled: true });
    s.write("in/catalog/shop/a.csv", SHOPIFY);
    mkdirSync(s.path("out"), { recursive: true });
    writeFileSync(s.path("out", "wms-east"), "a file where the WMS folder should be");
    await s.run();
    const status = () => JSON.parse(stockfeed("status", "--config", s.configPath, "--json").stdout);
    expect(status().productFiles).toEqual([
      expect.objectContaining({
        merchant: "acme",
        warehouse: "east",
        cart: "shop",
        file: "products-shop-001.csv",
        products: 6,
        attempts: 1,
        error: expect.any(String),
      }),
    ]);
    expect(stockfeed("status", "--config", s.configPath).stdout).toMatch(
      /Product files waiting in the outbox[\s\S]*acme\s+east\s+shop\s+products-shop-001\.csv\s+6\s+\S+\s+1/,
    );
    rmSync(s.path("out", "wms-east"));
    await s.run();
    expect(status().productFiles).toEqual([]);
    expect(stockfeed("status", "--config", s.configPath).stdout).not.toMatch(/Product files waiting/);
  });
});

describe("one-time product import", () => {
  it("product-import takes the cart's catalog and sends every product; a later sync sends only what is new", async () => {
    const s = shopScenario({ enabled: false, inventoryLocation: "east" });
    s.write("in/catalog/shop/a.csv", SHOPIFY);
    const dry = stockfeed("product-import", "--config", s.configPath, "--cart", "shop", "--dry-run");
    expect(dry.code).toBe(1); // the catalog has rejects (a variant without a SKU, a duplicate SKU): shown in the dry run too
    expect(dry.stdout).toMatch(/dry run: nothing written, moved or recorded/);
    expect(dry.stdout).toMatch(/shop\s+east\s+import\s+would-send\s+products-shop-001\.csv\s+6/);
    expect(dry.stdout).toMatch(/would send TSHIRT-RED-M \(import\) ACME Classic Tee/);
    expect(productFiles(s)).toEqual([]);
    expect(existsSync(s.path("in/catalog/shop/a.csv"))).toBe(true);

    const real = stockfeed("product-import", "--config", s.configPath, "--cart", "shop");
    expect(real.code).toBe(1); // the catalog had rejects (a variant without a SKU, a duplicate SKU)
    expect(real.stdout).toMatch(/product without a SKU \(ACME Classic Tee, "Crew" Neck Red \/ S\)/);
    expect(skus(productFiles(s)[0])).toHaveLength(6);
    // importing again sends everything again: that is what an import is for
    const again = stockfeed("product-import", "--config", s.configPath, "--cart", "shop", "--json");
    expect(JSON.parse(again.stdout).products[0]).toEqual(
      expect.objectContaining({ mode: "import", action: "sent", products: 6 }),
    );

    s.patch((c) => {
      const shop = ((c.merchants as Array<Record<string, unknown>>)[0].carts as Array<Record<string, unknown>>)[0];
      shop.productSync = { enabled: true };
    });
    s.write("in/catalog/shop/b.csv", CHANGED);
    const r = await s.run();
    expect(r.products[0]).toEqual(expect.objectContaining({ mode: "sync", products: 1, newProducts: 1 }));
  });
});

describe("the catalog's inventory-enabled flag", () => {
  it("flows to View Product Sync, and an inventory-disabled cart SKU is never sent a level", async () => {
    const s = shopScenario({ enabled: false });
    s.write("in/catalog/shop/a.csv", SHOPIFY);
    s.inventory("east", "inv.csv", [
      "TSHIRT-RED-M,5,,,2026-11-20T10:00:00Z",
      "MUG-WHITE,10,,,2026-11-20T10:00:00Z",
      "GIFT-CARD-50,99,,,2026-11-20T10:00:00Z",
    ]);
    const r = await s.run();
    expect(s.latest("shop")).toEqual({ "TSHIRT-RED-M": 5 });
    expect(r.carts[0].skipped["inventory-disabled"]).toBe(2);
    const config = loadConfig(s.configPath);
    const store = await openStore(config.state);
    try {
      const rows = await collect(store.queries.productSync(config.merchants[0].carts[0]));
      expect(rows.find((x) => x.sku === "MUG-WHITE")).toEqual(
        expect.objectContaining({
          inventoryEnabled: false,
          lastCartSyncAt: "NEVER",
          reason: expect.stringMatching(/inventory is disabled in the cart/),
        }),
      );
      expect(rows.find((x) => x.sku === "TSHIRT-RED-M")).toEqual(
        expect.objectContaining({ inventoryEnabled: true, lastQuantity: 5 }),
      );
    } finally {
      await store.close();
    }
  });
});

describe("product detail sync, warehouse to cart", () => {
  it("a cart mapping that asks for price, weight or description gets the warehouse product file's values", async () => {
    const s = shopScenario({ enabled: false }, { details: true });
    const mapping = s.write(
      "cart-details.yaml",
      "kind: cart-inventory\nformat: csv\ncolumns:\n  - { header: sku, field: code }\n  - { header: qty, field: quantity }\n  - { header: price, field: price }\n  - { header: weight, field: weightLbs }\n  - { header: description, field: description }\n",
    );
    s.patch((c) => {
      const shop = ((c.merchants as Array<Record<string, unknown>>)[0].carts as Array<Record<string, unknown>>)[0];
      (shop.output as Record<string, unknown>).mapping = mapping;
    });
    s.write(
      "in/products/east/items.csv",
      'sku,description,retail_price,weight_lbs\nTSHIRT-RED-M,"Tee, red",21.50,0.4\n',
    );
    s.inventory("east", "inv.csv", ["TSHIRT-RED-M,5,,,2026-11-20T10:00:00Z", "SOCKS-3PK,7,,,2026-11-20T10:00:00Z"]);
    await s.run();
    const out = readFileSync(s.path("out", "shop", s.outputs("shop")[0]), "utf8");
    expect(out).toBe('sku,qty,price,weight,description\r\nSOCKS-3PK,7,,,\r\nTSHIRT-RED-M,5,21.50,0.4,"Tee, red"\r\n');

    // a new price in the WMS's product file is news for a cart that carries prices
    s.write(
      "in/products/east/items-2.csv",
      'sku,description,retail_price,weight_lbs\nTSHIRT-RED-M,"Tee, red",19.00,0.4\n',
    );
    const r = await s.run();
    expect(r.carts[0].action).toBe("sent");
    expect(readFileSync(s.path("out", "shop", s.outputs("shop")[1]), "utf8")).toMatch(/TSHIRT-RED-M,5,19.00,0.4/);
  });
});
