/**
 * The fast merge of a patch (src/stages/patch-body.ts) over the formats that tell how their
 * records lie in their bytes (KeptBody): for random changes to a file of random records, the
 * merged file is the file written from the merged records, whatever the size of the chunks it
 * is read in (a record, a quoted newline, a terminator cut across two chunks), including codes
 * with quotes, delimiters, newlines, markup and characters outside the BMP.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formats, KeptFileMismatch, type RecordWriter } from "../../src/formats/index.js";
import { mergeBody, type ChangeCursor } from "../../src/stages/patch-body.js";
import { sha256File } from "../../src/util/fs.js";
import { compareCodes } from "../../src/util/order.js";
import { random } from "../helpers/random.js";

const dir = mkdtempSync(join(tmpdir(), "stockfeed-kept-body-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A format, its writer options and columns, and which of them is the key. */
type Shape = { format: string; options: unknown; headers: string[]; key: number };
const SHAPES: Record<string, Shape> = {
  csv: { format: "csv", options: {}, headers: ["sku", "quantity"], key: 0 },
  "csv-quoted": {
    format: "csv",
    options: { delimiter: ";", newline: "\n", bom: true, quoteAll: true },
    headers: ["qty", "code"],
    key: 1,
  },
  "csv-no-header": { format: "csv", options: { header: false, newline: "\n" }, headers: ["qty", "code"], key: 1 },
  xml: { format: "xml", options: { root: "Feed", record: "Product" }, headers: ["@sku", "Quantity"], key: 0 },
  "xml-flat": {
    format: "xml",
    options: { root: "Feed", record: "Item", indent: false, rootAttributes: { at: "{now}" } },
    headers: ["Stock/Available", "Stock/@unit", "Id/Code"],
    key: 2,
  },
  "xml-empty": { format: "xml", options: { root: "Feed", record: "P" }, headers: ["@code", "@qty"], key: 0 },
};

const ODD = ['Q"1', "Q,2", "Q&<3>", "Q\uE000", "Q\u{1F600}", "Q;4", 'Q""5', "Q\n6", "Q\r\n7", "Q </Item>8"];
let files = 0;

async function writeFile(shape: Shape, records: Map<string, number>, now: number): Promise<string> {
  const f = formats[shape.format];
  const path = join(dir, `f${files++}`);
  const w = await f.createWriter(path, shape.headers, f.writerOptions.parse(shape.options), { now } as never);
  for (const [code, quantity] of records) await w.write(values(shape, code, quantity));
  await w.close();
  return path;
}

function values(shape: Shape, code: string, quantity: number): string[] {
  return shape.headers.map((_, i) => (i === shape.key ? code : i === 1 && shape.key === 2 ? "EA" : String(quantity)));
}

/** The changes, in code order: a new quantity, or gone (null); `had` tells whether the kept file has the code. */
function cursor(shape: Shape, changes: Array<[string, number | null, boolean]>, writer: RecordWriter): ChangeCursor {
  let at = 0;
  return {
    code: () => changes[at]?.[0],
    async put(kept) {
      const [code, quantity, had] = changes[at++];
      if (had !== kept) throw new KeptFileMismatch(`${code}: had ${had}, kept ${kept}`);
      if (quantity !== null) await writer.write(values(shape, code, quantity));
    },
  };
}

async function merged(
  shape: Shape,
  from: string,
  rows: number,
  changes: Array<[string, number | null, boolean]>,
  chunk: number,
) {
  const f = formats[shape.format];
  const path = join(dir, `f${files++}`);
  const options = f.writerOptions.parse(shape.options);
  const w = await f.createWriter(path, shape.headers, options, { now: 2e12 } as never);
  const body = f.keptBody!(shape.headers, options, shape.key)!;
  await mergeBody(
    { path: from, sha256: await sha256File(from), records: rows },
    body,
    cursor(shape, changes, w),
    w,
    chunk,
  );
  await w.close();
  // the hash recorded with the file is taken as it is written
  expect(w.sha256()).toBe(await sha256File(path));
  return readFile(path);
}

describe("a patch copies the unchanged records' bytes and is the file written from the merged records", () => {
  for (const [name, shape] of Object.entries(SHAPES))
    it.each([1, 2, 3])(`${name}, seed %i, chunks of 7, 64, 1000 and 1 MB bytes`, async (seed) => {
      const rnd = random(seed);
      const codes = [...Array.from({ length: 400 }, (_, i) => `C${String(i).padStart(4, "0")}`), ...ODD]
        .filter((c) => !(shape.format === "xml" && /[\r]/.test(c)))
        .sort(compareCodes);
      const kept = new Map(codes.filter(() => rnd() < 0.7).map((c) => [c, Math.floor(rnd() * 50)]));
      const changes: Array<[string, number | null, boolean]> = codes
        .filter(() => rnd() < 0.15)
        .map((c) => [c, kept.has(c) && rnd() < 0.3 ? null : Math.floor(rnd() * 50), kept.has(c)]);
      const next = new Map(kept);
      for (const [c, q] of changes) q === null ? next.delete(c) : next.set(c, q);
      const expected = await readFile(
        await writeFile(shape, new Map([...next].sort((a, b) => compareCodes(a[0], b[0]))), 2e12),
      );
      const from = await writeFile(shape, kept, 1e12);
      for (const chunk of [7, 64, 1000, 1 << 20])
        expect((await merged(shape, from, kept.size, changes, chunk)).toString(), `chunk ${chunk}`).toBe(
          expected.toString(),
        );
    });

  it("a kept copy not as recorded (bytes, record count, order) is refused: the file is rendered whole", async () => {
    const shape = SHAPES.csv;
    const from = await writeFile(
      shape,
      new Map([
        ["A", 1],
        ["B", 2],
      ]),
      1e12,
    );
    const f = formats.csv;
    const options = f.writerOptions.parse({});
    const w = await f.createWriter(join(dir, `f${files++}`), shape.headers, options, { now: 0 } as never);
    const body = f.keptBody!(shape.headers, options, 0)!;
    const wrong = { path: from, sha256: "0".repeat(64), records: 2 };
    await expect(mergeBody(wrong, body, cursor(shape, [], w), w)).rejects.toThrow(/not have the bytes recorded/);
    const count = { path: from, sha256: await sha256File(from), records: 3 };
    await expect(mergeBody(count, body, cursor(shape, [], w), w)).rejects.toThrow(/2 records where its record says 3/);
    writeFileSync(from, "sku,quantity\r\nB,2\r\nA,1\r\n");
    const disorder = { path: from, sha256: await sha256File(from), records: 2 };
    await expect(mergeBody(disorder, body, cursor(shape, [["A", 3, true]], w), w)).rejects.toThrow(KeptFileMismatch);
    await w.abort();
  });
});
