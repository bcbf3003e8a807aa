/**
 * Golden files for every shipped mapping: each input mapping over its sample gives exactly
 * the records in test/golden/formats/*.records.json; each cart mapping renders
 * samples/carts/cart-lines.csv byte for byte as test/golden/formats/carts/*, and what it
 * renders reads back to the same lines. UPDATE_GOLDEN=1 npm test regenerates; review the diff.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { X12Parser } from "node-x12";
import { goldenFile } from "../helpers/golden.js";
import { afterAll, describe, expect, it } from "vitest";
import { checkMapping, renderCartRecords, type InputCheck } from "../../src/mapping/check.js";
import { compileInputMapping, compileOutputMapping } from "../../src/mapping/compile.js";
import { mapRows } from "../../src/mapping/apply.js";
import { MAPPINGS, ROOT, SAMPLES } from "../helpers/scenario.js";
import { isoUtc } from "../../src/util/time.js";

const GOLDEN = join(ROOT, "test/golden/formats");
const dir = mkdtempSync(join(tmpdir(), "stockfeed-golden-formats-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.parse("2026-11-20T13:00:00Z");

const golden = (name: string, actual: string) => goldenFile(GOLDEN, name, actual);

const INPUTS: Array<[mapping: string, sample: string]> = [
  ["wms/generic-csv.yaml", "wms/east/east-inventory-20261120.csv"],
  ["wms/generic-csv.yaml", "wms/west/west_stock_20261120.csv"],
  ["wms/x12-846.yaml", "edi/846/west-846-20261120.x12"],
  ["wms/xml-inventory.yaml", "xml/east-inventory-20261120.xml"],
  ["orders/generic-csv.yaml", "orders/webshop/orders-20261120-1.csv"],
  ["orders/x12-850.yaml", "orders/retailer/retailer-850-20261121.x12"],
  ["aliases/generic-csv.yaml", "aliases/aliases.csv"],
  ["catalog/generic-csv.yaml", "catalog/webshop/catalog.csv"],
  ["catalog/amazon-listings.yaml", "catalog/amazon/All+Listings+Report+11-20-2026.txt"],
  ["catalog/shopify-products.yaml", "catalog/shopify/products_export_1.csv"],
  ["catalog/woocommerce-products.yaml", "catalog/woocommerce/wc-product-export-20-11-2026-1763640000.csv"],
  ["catalog/etsy-listings.yaml", "catalog/etsy/listings-active-20261120.json"],
  ["catalog/wms-products-csv.yaml", "products/east/items-20261120.csv"],
];

describe("golden: every shipped input mapping over its sample", () => {
  it("covers every input mapping in mappings/", () => {
    const shipped = ["wms", "orders", "aliases", "catalog"].flatMap((d) => readdirSync(join(MAPPINGS, d)).map((f) => `${d}/${f}`));
    expect(shipped.filter((m) => !INPUTS.some(([x]) => x === m))).toEqual([]);
  });

  for (const [mapping, sample] of INPUTS) {
    it(`${mapping} reads ${sample}`, async () => {
      const r = (await checkMapping(join(MAPPINGS, mapping), join(SAMPLES, sample), NOW)) as InputCheck;
      const rejects = r.sample!.rejects.map((e) => ({ ...e, file: basename(e.file) }));
      // instants as ISO text, so a reader of the golden file can check them
      // (a product has 30 fields, most channels fill a few: the ones they leave empty are left out)
      const records = r.sample!.records.map(({ line, record }) => ({
        line,
        record: Object.fromEntries(
          Object.entries(record)
            .filter(([, v]) => r.kind !== "catalog" || v !== null)
            .map(([k, v]) => [k, (k === "asOf" || k === "orderedAt") && typeof v === "number" ? isoUtc(v) : v]),
        ),
      }));
      golden(`${mapping.replace("/", "-").replace(".yaml", "")}--${basename(sample)}.records.json`, JSON.stringify({ records, rejects }, null, 2) + "\n");
    });
  }
});

/** An input mapping that reads a cart file back, written for the round trip. */
function readBack(name: string, yaml: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, yaml);
  return p;
}

const READ_BACK: Record<string, string> = {
  csv: readBack("csv", "kind: inventory\nformat: csv\nfields:\n  sku: { column: sku }\n  available: { column: quantity }\n"),
  xml: readBack("xml", "kind: inventory\nformat: xml\nxml: { record: InventoryFeed/Product }\nfields:\n  sku: { column: '@sku' }\n  available: { column: Quantity }\n"),
  x12: join(MAPPINGS, "wms/x12-846.yaml"),
};

describe("golden: every shipped cart mapping renders the sample cart lines", () => {
  const carts = readdirSync(join(MAPPINGS, "carts"));
  const lines = readFileSync(join(SAMPLES, "carts/cart-lines.csv"), "utf8").trim().split("\n").slice(1);

  for (const name of carts) {
    it(`${name}: byte for byte, and read back to the same lines`, async () => {
      const m = compileOutputMapping(join(MAPPINGS, "carts", name));
      const records = (await import("papaparse")).default
        .parse<string[]>(lines.join("\n"))
        .data.map(([code, sku, quantity, asOf, available]) => ({ code, sku, quantity: Number(quantity), asOf, available: Number(available) }));
      const out = join(dir, `${name}.out`);
      const left = await renderCartRecords(m, records, out, { now: NOW });
      expect(left).toEqual([]);
      const text = readFileSync(out, "latin1");
      golden(`carts/${name.replace(".yaml", "")}.${m.format.name}`, text);

      if (m.format.name === "x12") new X12Parser(true).parse(text);
      const reader = compileInputMapping(READ_BACK[m.format.name], "inventory");
      const table = await reader.format.openTable(out, reader.columns, reader.readerOptions);
      const back: Array<[string, number]> = [];
      for await (const row of table.rows) {
        const r = reader.map(row, out);
        if ("record" in r) back.push([r.record.sku, r.record.available]);
        else throw new Error(JSON.stringify(r.errors));
      }
      const sent = m.headers.some((h) => h === "LIN05") ? records.map((r) => [r.sku, r.quantity]) : records.map((r) => [r.code, r.quantity]);
      expect(back).toEqual(sent);
    });
  }
});

describe("golden: every shipped product file mapping renders the Shopify sample's products", () => {
  for (const name of readdirSync(join(MAPPINGS, "products"))) {
    it(`${name}: byte for byte`, async () => {
      const catalog = compileInputMapping(join(MAPPINGS, "catalog/shopify-products.yaml"), "catalog");
      const sample = join(SAMPLES, "catalog/shopify/products_export_1.csv");
      const table = await catalog.format.openTable(sample, catalog.columns, catalog.readerOptions);
      const m = compileOutputMapping(join(MAPPINGS, "products", name), "products");
      const out = join(dir, `${name}.out`);
      const w = await m.format.createWriter(out, m.headers, m.writerOptions, { now: NOW, plannedRecords: 0 });
      for await (const r of mapRows(catalog, table.rows, sample)) if ("record" in r) await w.write(m.row(r.record));
      await w.close();
      golden(`products/${name.replace(".yaml", "")}.${m.format.name}`, readFileSync(out, "utf8"));
    });
  }
});
