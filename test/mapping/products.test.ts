import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileInputMapping } from "../../src/mapping/compile.js";
import { mapRows, type Product } from "../../src/mapping/apply.js";
import { ConfigError, type RecordError } from "../../src/errors.js";
import { MAPPINGS, SAMPLES } from "../helpers/scenario.js";

const dir = mkdtempSync(join(tmpdir(), "stockfeed-products-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string, ext: string): string {
  const p = join(dir, `f${++n}.${ext}`);
  writeFileSync(p, content);
  return p;
}

async function catalog(mapping: string, sample: string) {
  const m = compileInputMapping(mapping, "catalog");
  const table = await m.format.openTable(sample, m.columns, m.readerOptions);
  const products = new Map<string, Product & { line: number }>();
  const rejects: RecordError[] = [];
  for await (const r of mapRows(m, table.rows, sample)) {
    if ("record" in r) products.set(r.record.sku, { ...r.record, line: r.line });
    else rejects.push(...r.errors);
  }
  return { products, rejects };
}

const CSV = (fields: string) => file(`kind: catalog\nformat: csv\nfields:\n${fields}`, "yaml");

describe("catalogs: one product per SKU, no invented SKUs", () => {
  it("a product without a SKU is reported with its line and name and skipped, never given one", async () => {
    const { products, rejects } = await catalog(
      CSV("  sku: { column: sku }\n  name: { column: name }\n"),
      file("sku,name\nA-1,Tee\n,Poster\n", "csv"),
    );
    expect([...products.keys()]).toEqual(["A-1"]);
    expect(rejects).toEqual([
      expect.objectContaining({
        line: 3,
        field: "sku",
        reason: expect.stringMatching(
          /^product without a SKU \(Poster\): reported and skipped, never given an invented one/,
        ),
      }),
    ]);
  });

  it("the same SKU twice with different data is a conflict: reported, the first kept; an identical repeat is simply one product", async () => {
    const { products, rejects } = await catalog(
      CSV("  sku: { column: sku }\n  name: { column: name }\n  retailPrice: { column: price }\n"),
      file("sku,name,price\nA-1,Tee,10.00\nA-1,Tee,10.00\nA-1,Tee (old),9.00\n", "csv"),
    );
    expect(products.get("A-1")).toEqual(expect.objectContaining({ line: 2, name: "Tee", retailPrice: "10.00" }));
    expect(rejects).toEqual([
      expect.objectContaining({
        line: 4,
        sku: "A-1",
        reason: "duplicate SKU with different name, retailPrice than line 2: the first is kept",
      }),
    ]);
  });
});

describe("mapping values for products", () => {
  it("measures are converted to each field's unit: grams become pounds, kg fills both kg and lbs, cm both cm and in", async () => {
    const { products } = await catalog(
      CSV(
        "  sku: { column: sku }\n  weightLbs: { column: g, unit: g }\n  weightKg: { column: kg }\n  lengthIn: { column: cm, unit: cm }\n  lengthCm: { column: cm }\n",
      ),
      file("sku,g,kg,cm\nA,453.59237,1.5,2.54\n", "csv"),
    );
    expect(products.get("A")).toEqual(
      expect.objectContaining({ weightLbs: "1", weightKg: "1.5", lengthIn: "1", lengthCm: "2.54" }),
    );
  });

  it("decimals reject what is not a number, naming line, column and value (a comma decimal is not guessed)", async () => {
    const { rejects } = await catalog(
      CSV("  sku: { column: sku }\n  retailPrice: { column: price }\n"),
      file('sku,price\nA,"1,5"\n', "csv"),
    );
    expect(rejects).toEqual([
      expect.objectContaining({
        line: 2,
        field: "price",
        value: "1,5",
        reason: expect.stringMatching(/not a decimal/),
      }),
    ]);
  });

  it("filled: yes when the cell holds anything, no when empty; firstFilled takes the first column with a value; pattern keeps its group", async () => {
    const { products } = await catalog(
      CSV(
        '  sku: { column: sku }\n  inventoryEnabled: { column: tracker, filled: true }\n  retailPrice: { column: [sale, regular], firstFilled: true }\n  parentId: { column: parent, pattern: "^(?:id:)?(.+)$" }\n',
      ),
      file("sku,tracker,sale,regular,parent\nA,shopify,,9.00,id:7\nB,,5.00,9.00,P-1\n", "csv"),
    );
    expect(products.get("A")).toEqual(
      expect.objectContaining({ inventoryEnabled: true, retailPrice: "9.00", parentId: "7" }),
    );
    expect(products.get("B")).toEqual(
      expect.objectContaining({ inventoryEnabled: false, retailPrice: "5.00", parentId: "P-1" }),
    );
  });

  it("a mapping that converts what cannot be converted is refused before any data moves", () => {
    expect(() => CSV("  sku: { column: sku }\n  name: { column: n, unit: kg }\n")).not.toThrow();
    expect(() => compileInputMapping(CSV("  sku: { column: sku }\n  name: { column: n, unit: kg }\n"))).toThrow(
      /only measure fields/,
    );
    expect(() => compileInputMapping(CSV("  sku: { column: sku }\n  weightLbs: { column: w, unit: cm }\n"))).toThrow(
      /unknown weight unit "cm"/,
    );
    expect(() => compileInputMapping(CSV('  sku: { column: sku }\n  name: { column: n, split: "," }\n'))).toThrow(
      /only list fields/,
    );
    expect(() =>
      compileInputMapping(CSV("  sku: { column: sku }\nvariants: { groupBy: productId, inherit: [sku] }\n")),
    ).toThrow(/never takes its product's SKU/);
    expect(() =>
      compileInputMapping(
        file(
          "kind: aliases\nformat: csv\nfields:\n  sku: { column: a }\n  aliasType: { column: b }\n  code: { column: c }\nvariants: { groupBy: sku }\n",
          "yaml",
        ),
      ),
    ).toThrow(ConfigError);
  });
});

describe("channel catalogs, as the channels export them", () => {
  it("Shopify: variant rows take the product row's title, description, tags and option names; image-only rows add images to every variant", async () => {
    const { products, rejects } = await catalog(
      join(MAPPINGS, "catalog/shopify-products.yaml"),
      join(SAMPLES, "catalog/shopify/products_export_1.csv"),
    );
    const blue = products.get("TSHIRT-BLU-L")!;
    expect(blue).toEqual(
      expect.objectContaining({
        name: 'ACME Classic Tee, "Crew" Neck',
        vendor: "ACME",
        tags: ["cotton", "summer", "tees"],
        attributeNames: ["Color", "Size"],
        attributeValues: ["Blue", "L"],
        weightLbs: "0.4299",
      }),
    );
    expect(blue.imageUrls).toHaveLength(3);
    expect(blue.imageUrls![2]).toMatch(/tee-back/);
    // the image-only row is not a product without a SKU; the Red/S variant without one is
    expect(rejects.filter((r) => r.field === "sku" && r.value === "").map((r) => r.line)).toEqual([5, 10]);
  });

  it("Shopify: an empty Variant Inventory Tracker means inventory disabled; Default Title is not an option", async () => {
    const { products } = await catalog(
      join(MAPPINGS, "catalog/shopify-products.yaml"),
      join(SAMPLES, "catalog/shopify/products_export_1.csv"),
    );
    expect(products.get("MUG-WHITE")).toEqual(
      expect.objectContaining({ inventoryEnabled: false, attributeNames: null, attributeValues: null }),
    );
    expect(products.get("TSHIRT-RED-M")!.inventoryEnabled).toBe(true);
  });

  it("WooCommerce: variations take their parent's values and id (named by id:N or by SKU); the parent is not a product itself", async () => {
    const { products } = await catalog(
      join(MAPPINGS, "catalog/woocommerce-products.yaml"),
      join(SAMPLES, "catalog/woocommerce/wc-product-export-20-11-2026-1763640000.csv"),
    );
    expect(products.has("HOODIE")).toBe(false);
    expect(products.get("HOODIE-GRY-XL")).toEqual(
      expect.objectContaining({
        parentId: "101",
        weightKg: "0.65",
        weightLbs: "1.433",
        lengthIn: "27.5591",
        retailPrice: "39.00",
        regularPrice: "49.00",
        allowBackorders: true,
      }),
    );
    expect(products.get("HOODIE-NVY-L")).toEqual(
      expect.objectContaining({ parentId: "101", weightKg: "0.7", categories: ["Clothing > Hoodies", "Clothing"] }),
    );
    expect(products.get("BOTTLE-STEEL")!.inventoryEnabled).toBe(false);
  });

  it("Etsy: one product per inventory product SKU, its offering's quantity, price (amount / divisor) and enabled flag", async () => {
    const { products } = await catalog(
      join(MAPPINGS, "catalog/etsy-listings.yaml"),
      join(SAMPLES, "catalog/etsy/listings-active-20261120.json"),
    );
    expect([...products.keys()]).toEqual(["MUG-WHITE", "MUG-BLACK", "POSTER-A2"]);
    expect(products.get("MUG-BLACK")).toEqual(
      expect.objectContaining({
        productId: "1543219876",
        quantity: 8,
        retailPrice: "30.00",
        inventoryEnabled: false,
        weightLbs: "0.875",
        attributeValues: ["Black"],
      }),
    );
    expect(products.get("POSTER-A2")).toEqual(
      expect.objectContaining({ weightKg: "0.25", lengthCm: "59.4", lengthIn: "23.3858" }),
    );
  });

  it('Amazon: tab-delimited and never quoted (a " in a title is a character); FBA listings are inventory disabled', async () => {
    const { products, rejects } = await catalog(
      join(MAPPINGS, "catalog/amazon-listings.yaml"),
      join(SAMPLES, "catalog/amazon/All+Listings+Report+11-20-2026.txt"),
    );
    expect(products.get("TSHIRT-RED-M")).toEqual(
      expect.objectContaining({
        name: 'ACME Classic Tee, "Crew" Neck - Red, M',
        asin: "B0CTEE0RDM",
        retailPrice: "19.99",
        inventoryEnabled: true,
      }),
    );
    expect(products.get("MUG-BLACK")!.inventoryEnabled).toBe(false);
    expect(rejects.map((r) => [r.line, r.field])).toEqual([
      [6, "sku"],
      [7, "price"],
    ]);
  });
});
