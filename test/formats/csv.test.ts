import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { csvReaderOptions, detectDelimiter, openCsvTable } from "../../src/formats/csv/reader.js";
import { FileUnreadableError } from "../../src/errors.js";
import type { SourceRow } from "../../src/formats/types.js";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "stockfeed-csv-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function read(
  content: string | Buffer,
  wanted: string[],
  options = {},
): Promise<{ present: boolean[]; rows: SourceRow[] }> {
  const f = join(dir, "f.csv");
  writeFileSync(f, content);
  const t = await openCsvTable(f, wanted, csvReaderOptions.parse(options));
  const rows: SourceRow[] = [];
  for await (const r of t.rows) rows.push(r);
  return { present: t.present, rows };
}

describe("CSV in", () => {
  it("matches header names ignoring case and surrounding spaces, and handles BOM and CRLF", async () => {
    const r = await read("\uFEFF SKU ;Quantity_Available \r\nA;5\r\nB;6\r\n", ["sku", "quantity_available", "lot"]);
    expect(r.present).toEqual([true, true, false]);
    expect(r.rows).toEqual([
      { line: 2, values: ["A", "5", undefined], problem: undefined },
      { line: 3, values: ["B", "6", undefined], problem: undefined },
    ]);
  });
  it.each([",", ";", "\t", "|"])("detects the delimiter %j", async (d) => {
    const r = await read(`sku${d}qty\nA${d}1\n`, ["sku", "qty"]);
    expect(r.rows[0].values).toEqual(["A", "1"]);
  });
  it("keeps physical line numbers across blank lines and quoted line breaks", async () => {
    const r = await read('sku,name,qty\n\nA,"two\r\nlines",1\nB,"x",2\n\n"C,D","say ""hi""",3\n', [
      "sku",
      "name",
      "qty",
    ]);
    expect(r.rows.map((x) => [x.line, ...x.values])).toEqual([
      [3, "A", "two\r\nlines", "1"],
      [5, "B", "x", "2"],
      [7, "C,D", 'say "hi"', "3"],
    ]);
  });
  it("flags a line whose field count differs from the header, and forgives trailing empty cells", async () => {
    const r = await read("sku,qty\nA,1,\nB\nC,1,2\n", ["sku", "qty"]);
    expect(r.rows.map((x) => x.problem)).toEqual([
      undefined,
      "the line has 1 fields, the header has 2",
      "the line has 3 fields, the header has 2",
    ]);
  });
  it("reads latin1 when the mapping says so", async () => {
    const r = await read(Buffer.from("sku,name\nA,Caf\xe9\n", "latin1"), ["sku", "name"], { encoding: "latin1" });
    expect(r.rows[0].values).toEqual(["A", "Café"]);
  });
  it("skips title lines before the header when told", async () => {
    const r = await read("Stock report\nGenerated today\nsku,qty\nA,1\n", ["sku", "qty"], { skipLines: 2 });
    expect(r.rows).toEqual([{ line: 4, values: ["A", "1"], problem: undefined }]);
  });
  it("keeps rows and line numbers whole when a quoted line break straddles a read chunk", async () => {
    const filler = Array.from({ length: 7000 }, (_, i) => `F${i},"${"x".repeat(20)}",1`);
    // the file is read in 256 KiB chunks: put quoted multi-line fields all around the first boundary
    const around = Array.from({ length: 2000 }, (_, i) => `Q${i},"a\r\n""b"",\r\nc",2`);
    const text = ["sku,name,qty", ...filler, ...around, "LAST,z,3"].join("\r\n") + "\r\n";
    expect(text.indexOf("Q0,")).toBeLessThan(256 * 1024);
    expect(text.indexOf("LAST,")).toBeGreaterThan(256 * 1024);
    const r = await read(text, ["sku", "name", "qty"]);
    expect(r.rows).toHaveLength(7000 + 2000 + 1);
    expect(r.rows.every((x) => x.problem === undefined)).toBe(true);
    expect(r.rows[7000]).toEqual({ line: 7002, values: ["Q0", 'a\r\n"b",\r\nc', "2"], problem: undefined });
    expect(r.rows[8999].values[1]).toBe('a\r\n"b",\r\nc');
    expect(r.rows[9000]).toEqual({ line: 7002 + 2000 * 3, values: ["LAST", "z", "3"], problem: undefined });
  });
  it("a quoted line break, a quote or a line end exactly at the 256 KiB read boundary: rows stay whole", async () => {
    const CHUNK = 256 * 1024;
    for (const newline of ["\r\n", "\n"]) {
      const field = `"a${newline}b"`; // a quoted field with a line break inside
      // every character of `Q,"a<newline>b",2<newline>` lands on the boundary once
      for (let shift = 0; shift < 12; shift++) {
        const head = `sku,name,qty${newline}`;
        const pad = CHUNK - head.length - 2 - shift - `P,,1${newline}`.length;
        const text = `${head}P,${"p".repeat(pad)},1${newline}Q,${field},2${newline}R,r,3${newline}`;
        expect(text.indexOf("Q,")).toBe(CHUNK - 2 - shift); // the boundary is at character 2 + shift of that line
        const r = await read(text, ["sku", "name", "qty"]);
        expect(
          r.rows.map((x) => [x.line, x.values[0], x.values[1] === undefined ? "" : x.values[1].slice(0, 4), x.problem]),
          `${JSON.stringify(newline)} shifted ${shift}`,
        ).toEqual([
          [2, "P", "pppp", undefined],
          [3, "Q", `a${newline}b`.slice(0, 4), undefined],
          [5, "R", "r", undefined],
        ]);
      }
    }
  });
  it("reads old Mac line ends (CR only) and a last line without a line end", async () => {
    const r = await read("sku,qty\rA,1\rB,2", ["sku", "qty"]);
    expect(r.rows.map((x) => [x.line, ...x.values])).toEqual([
      [2, "A", "1"],
      [3, "B", "2"],
    ]);
  });
  it("an empty file cannot be read", async () => {
    await expect(read("", ["sku"])).rejects.toThrow(FileUnreadableError);
    await expect(read("\r\n\r\n", ["sku"])).rejects.toThrow(/empty/);
  });
  it("a wanted column twice in the header cannot be read", async () => {
    await expect(read("sku,SKU,qty\nA,B,1\n", ["sku"])).rejects.toThrow(/appears twice/);
  });
  it("detectDelimiter ignores delimiters inside quotes", () => {
    expect(detectDelimiter('"a;b;c",d,e', '"')).toBe(",");
  });
});
