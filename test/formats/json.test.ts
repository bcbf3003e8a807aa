import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileInputMapping, compileOutputMapping } from "../../src/mapping/compile.js";
import { mapRows } from "../../src/mapping/apply.js";
import { formats } from "../../src/formats/index.js";
import { ConfigError, FileUnreadableError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "stockfeed-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string, ext = "json"): string {
  const p = join(dir, `f${++n}.${ext}`);
  writeFileSync(p, content);
  return p;
}

async function read(mapping: string, path: string) {
  const m = compileInputMapping(file(mapping, "yaml"));
  const table = await m.format.openTable(path, m.columns, m.readerOptions);
  const records: Array<Record<string, unknown>> = [];
  const rejects: Array<{ line: number; field: string; value: string; reason: string }> = [];
  for await (const r of mapRows(m, table.rows, "in.json")) {
    if ("record" in r)
      records.push({ line: r.line, ...Object.fromEntries(Object.entries(r.record).filter(([, v]) => v !== null)) });
    else rejects.push(...r.errors);
  }
  return { records, rejects };
}

const NESTED = `{
  "results": [
    { "id": 1, "title": "Mug", "tags": ["a", "b"],
      "products": [
        { "sku": "M-1", "stock": { "available": 5 }, "props": [{ "name": "Color", "values": ["White"] }] },
        { "sku": "M-2", "stock": { "available": 2.5 } }
      ] },
    { "id": 2, "title": "Poster", "tags": [],
      "products": [ { "sku": "P-1", "stock": { "available": 0 } } ] }
  ]
}
`;

describe("JSON in: paths into nested objects and arrays", () => {
  it("reads one record per element of the record path, with values of the elements it sits in ($.results[])", async () => {
    const { records, rejects } = await read(
      `kind: inventory\nformat: json\njson: { record: "results[].products[]" }\nfields:\n  sku: { column: sku }\n  available: { column: stock.available }\n  lot: { column: "$.results[].title" }\n`,
      file(NESTED),
    );
    expect(records).toEqual([
      { line: 5, sku: "M-1", available: 5, lot: "Mug" },
      { line: 9, sku: "P-1", available: 0, lot: "Poster" },
    ]);
    expect(rejects).toEqual([expect.objectContaining({ line: 6, field: "stock.available", value: "2.5" })]);
  });

  it("a file that starts with a UTF-8 byte order mark reads as without it, lines counted the same", async () => {
    const mapping = `kind: inventory\nformat: json\njson: { record: "results[].products[]" }\nfields:\n  sku: { column: sku }\n  available: { column: stock.available }\n`;
    const plain = await read(mapping, file(NESTED));
    const withBom = await read(mapping, file(`\uFEFF${NESTED}`));
    expect(withBom).toEqual(plain);
    expect(withBom.records.map((r) => [r.line, r.sku])).toEqual([
      [5, "M-1"],
      [9, "P-1"],
    ]);
  });

  it("[*] reads every element as a list; [0] one; a number keeps the digits the file wrote", async () => {
    const { records } = await read(
      `kind: catalog\nformat: json\njson: { record: "results[].products[]" }\nfields:\n  sku: { column: sku }\n  tags: { column: "$.results[].tags[*]" }\n  attributeNames: { column: "props[*].name" }\n  attributeValues: { column: "props[*].values[*]" }\n  productId: { column: "$.results[].id" }\n  retailPrice: { column: "$.results[0].price" }\n`,
      file(NESTED.replace('"id": 1,', '"id": 1, "price": 12.50,')),
    );
    expect(records[0]).toEqual({
      line: 5,
      sku: "M-1",
      tags: ["a", "b"],
      attributeNames: ["Color"],
      attributeValues: ["White"],
      productId: "1",
      retailPrice: "12.50",
    });
    expect(records[2]).toEqual({ line: 9, sku: "P-1", productId: "2", retailPrice: "12.50" });
  });

  it("a list where one value is expected is a reject naming the values", async () => {
    const { rejects } = await read(
      `kind: catalog\nformat: json\njson: { record: "results[]" }\nfields:\n  sku: { column: "tags[*]" }\n`,
      file(NESTED),
    );
    expect(rejects[0]).toEqual(
      expect.objectContaining({
        line: 3,
        reason: expect.stringMatching(/^2 values where sku takes one/),
        value: "a | b",
      }),
    );
  });

  it("a file that is not JSON is unreadable with its line; comments and trailing commas are not JSON", async () => {
    const m = `kind: catalog\nformat: json\njson: { record: "[]" }\nfields:\n  sku: { column: sku }\n`;
    await expect(read(m, file('[\n  {"sku": "A"},\n  {"sku": "B",}\n]'))).rejects.toThrow(FileUnreadableError);
    await expect(read(m, file('[\n  {"sku": "A"},\n  {"sku": "B",}\n]'))).rejects.toThrow(/line 3/);
    await expect(read(m, file('// c\n[{"sku": "A"}]'))).rejects.toThrow(/line 1: not valid JSON/);
  });

  it("keys such as __proto__ are only compared, never become properties", async () => {
    const { records } = await read(
      `kind: catalog\nformat: json\njson: { record: "[]" }\nfields:\n  sku: { column: __proto__.sku }\n`,
      file('[{"__proto__": {"sku": "X"}}]'),
    );
    expect(records).toEqual([{ line: 1, sku: "X" }]);
    expect(({} as Record<string, unknown>).sku).toBeUndefined();
  });

  it("a bad path, or [] outside the record's path, is a mapping error at load", () => {
    expect(() =>
      compileInputMapping(
        file(
          `kind: catalog\nformat: json\njson: { record: "results[]" }\nfields:\n  sku: { column: "a..b" }\n`,
          "yaml",
        ),
      ),
    ).toThrow(ConfigError);
    expect(() =>
      compileInputMapping(
        file(
          `kind: catalog\nformat: json\njson: { record: "results[]" }\nfields:\n  sku: { column: "$.other[].sku" }\n`,
          "yaml",
        ),
      ),
    ).toThrow(/must follow the record path/);
    expect(() =>
      compileInputMapping(
        file(`kind: catalog\nformat: json\njson: { record: "results[*]" }\nfields:\n  sku: { column: sku }\n`, "yaml"),
      ),
    ).toThrow(/not \[\*\]/);
  });
});

describe("JSON out: a cart file as a JSON document", () => {
  it("writes one object per line under the root key, numbers as numbers, and reads back", async () => {
    const m = compileOutputMapping(
      file(
        `kind: cart-inventory\nformat: json\njson: { root: inventory, numbers: [quantity] }\ncolumns:\n  - { header: sku, field: code }\n  - { header: quantity, field: quantity }\n  - { header: stock.asOf, field: asOf }\n`,
        "yaml",
      ),
    );
    const out = join(dir, "out.json");
    const w = await formats.json.createWriter(out, m.headers, m.writerOptions, { now: 0, plannedRecords: 2 });
    await w.write(m.row({ code: 'A"1', sku: "A", quantity: 5, asOf: "2026-11-20T00:00:00Z", available: 5 }));
    await w.write(m.row({ code: "007", sku: "B", quantity: 0, asOf: "2026-11-20T00:00:00Z", available: 0 }));
    await w.close();
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({
      inventory: [
        { sku: 'A"1', quantity: 5, stock: { asOf: "2026-11-20T00:00:00Z" } },
        { sku: "007", quantity: 0, stock: { asOf: "2026-11-20T00:00:00Z" } },
      ],
    });
  });
});
