import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileInputMapping } from "../../src/mapping/compile.js";
import { stringChunks, x12Segments } from "../../src/formats/x12/tokenize.js";
import { x12Transactions } from "../../src/formats/x12/envelope.js";
import { MAPPINGS, ROOT } from "../helpers/scenario.js";
import type { InputKind } from "../../src/mapping/kinds.js";

/** real interchanges from public EDI projects: ../shared beside the clone (CI), or X12_SAMPLES */
const SHARED = process.env.X12_SAMPLES ?? join(ROOT, "..", "shared", "x12-samples");
const dir = mkdtempSync(join(tmpdir(), "stockfeed-x12-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `f${++n}.x12`);
  writeFileSync(p, content);
  return p;
}

/** Maps every record of a file through a shipped mapping: records and rejects. */
async function read(mapping: string, path: string, kind?: InputKind) {
  const m = compileInputMapping(join(MAPPINGS, mapping), kind);
  const table = await m.format.openTable(path, m.columns, m.readerOptions);
  const records: Array<Record<string, unknown>> = [];
  const rejects: Array<{ line: number; field: string; value: string; reason: string }> = [];
  for await (const row of table.rows) {
    const r = m.map(row, "in.x12");
    if ("record" in r) records.push(r.record as Record<string, unknown>);
    else rejects.push(...r.errors);
  }
  return { records, rejects, interchanges: table.interchanges ?? [] };
}

async function segmentIds(text: string): Promise<string[]> {
  const out: string[] = [];
  for await (const s of x12Segments(stringChunks(text))) out.push(s.elements.join("|"));
  return out;
}

const ISA =
  "ISA*00*          *00*          *ZZ*WAREHOUSE      *ZZ*ACME           *261120*0930*U*00401*000000101*0*P*>~";
const I846 = [
  ISA,
  "GS*IB*WAREHOUSE*ACME*20261120*0930*101*X*004010~",
  "ST*846*0001~",
  "BIA*00*SI*REF1*20261120*0930~",
  "LIN**SK*A-100~",
  "QTY*33*12*EA~",
  "QTY*17*15*EA~",
  "LIN**VN*B-200*UP*012345678905~",
  "QTY*33*0*EA~",
  "CTT*2~",
  "SE*9*0001~",
  "GE*1*101~",
  "IEA*1*000000101~",
].join("\n");

describe("X12 input: delimiters are read from the ISA, line breaks are not data", () => {
  it("LF, CRLF, a BOM, no line breaks and lines wrapped at 80 columns give the same segments", async () => {
    const plain = I846.replace(/\n/g, "");
    const expected = await segmentIds(plain);
    expect(expected).toHaveLength(13);
    const wrapped = plain.match(/.{1,80}/g)!.join("\r\n");
    for (const variant of [I846, I846.replace(/\n/g, "\r\n"), "\uFEFF" + I846, wrapped, wrapped + "\r\n"])
      expect(await segmentIds(variant)).toEqual(expected);
  });

  it("reads whatever delimiters the ISA declares: | as element, 0x15 or a newline as terminator, ^ as component", async () => {
    const plain = I846.replace(/\n/g, "");
    const expected = (await segmentIds(plain)).map((s) => s.replace(">", "^"));
    const pipes = plain.replace(/\*/g, "|").replace(/>~/, "^~");
    expect(await segmentIds(pipes)).toEqual(expected);
    const nak = plain.replace(/~/g, "\x15\r\n").replace(/>\x15/, "^\x15");
    expect(await segmentIds(nak)).toEqual(expected);
    const newline = plain.replace(/~/g, "\n").replace(/>\n/, "^\n");
    expect(await segmentIds(newline)).toEqual(expected);
  });

  it("846 in: a record per LIN loop, SKU by qualifier preference, QTY by qualifier, as-of from BIA04/05", async () => {
    const { records, rejects } = await read("wms/x12-846.yaml", file(I846));
    expect(rejects).toEqual([]);
    expect(records).toEqual([
      { sku: "A-100", available: 12, onHand: 15, lot: null, asOf: Date.parse("2026-11-20T09:30:00Z") },
      { sku: "B-200", available: 0, onHand: null, lot: null, asOf: Date.parse("2026-11-20T09:30:00Z") },
    ]);
  });

  it("a bad value is rejected naming its segment and element; the other records load", async () => {
    const bad = I846.replace("QTY*33*12*EA", "QTY*33*12.5*EA");
    const { records, rejects } = await read("wms/x12-846.yaml", file(bad));
    expect(records.map((r) => r.sku)).toEqual(["B-200"]);
    expect(rejects).toEqual([
      {
        file: "in.x12",
        line: 6,
        field: "QTY02 where QTY01=33",
        value: "12.5",
        reason: expect.stringMatching(/whole/),
        sku: "A-100",
      },
    ]);
  });
});

describe("X12 input: a broken envelope never loads silently", () => {
  it("SE01 with the wrong count rejects that transaction set's records, naming SE", async () => {
    const { records, rejects } = await read("wms/x12-846.yaml", file(I846.replace("SE*9*0001", "SE*8*0001")));
    expect(records).toEqual([]);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringContaining("SE01 says 8 segments, the transaction set has 9 (segment 11)"),
      expect.stringContaining("SE01 says 8"),
    ]);
  });

  it("a missing SE rejects the transaction set; the next one in the group still loads", async () => {
    const two = I846.replace(
      "GE*1*101",
      "ST*846*0002~BIA*00*SI*REF2*20261120*0930~LIN**SK*C-300~QTY*33*4~SE*5*0002~GE*2*101",
    ).replace("SE*9*0001~\n", "");
    const { records, rejects } = await read("wms/x12-846.yaml", file(two));
    expect(records.map((r) => r.sku)).toEqual(["C-300"]);
    expect(rejects[0].reason).toMatch(/has no SE trailer/);
  });

  for (const [name, text, message] of [
    ["IEA01 counts the wrong number of groups", I846.replace("IEA*1*", "IEA*2*"), /IEA01 says 2 groups/],
    ["IEA02 differs from ISA13", I846.replace("IEA*1*000000101", "IEA*1*000000102"), /IEA02 .* does not match ISA13/],
    ["GE01 counts the wrong number of sets", I846.replace("GE*1*101", "GE*3*101"), /GE01 says 3/],
    ["the file is truncated after a segment", I846.split("\n").slice(0, 9).join("\n"), /truncated/],
    ["the file is truncated inside a segment", I846.slice(0, I846.indexOf("CTT") + 2), /truncated/],
    ["the file is truncated inside the ISA", ISA.slice(0, 60), /ends inside the ISA/],
    [
      "the body uses other delimiters than the ISA declares",
      I846.replace(/\*/g, (m, i: number) => (i > 110 ? "|" : m)),
      /wrong delimiters/,
    ],
    ["the file is not X12 at all", "sku,quantity\nA,1\n", /not an X12 interchange/],
  ] as Array<[string, string, RegExp]>) {
    it(`quarantined when ${name}`, async () => {
      await expect(read("wms/x12-846.yaml", file(text))).rejects.toThrow(message);
    });
  }
});

describe.skipIf(!existsSync(SHARED))(
  "X12 interop: real interchanges from public EDI projects (../shared/x12-samples)",
  () => {
    const samples = existsSync(SHARED) ? readdirSync(SHARED).filter((f) => !f.endsWith(".md")) : [];

    it("every sample's envelope checks out, whatever its delimiters, wrapping and version", async () => {
      for (const f of samples) {
        const text = readFileSync(join(SHARED, f), "latin1");
        const sets: string[] = [];
        for await (const t of x12Transactions(x12Segments(stringChunks(text)))) {
          expect(t.summary.problem, `${f} ${t.summary.st02}`).toBeUndefined();
          sets.push(t.summary.st01);
        }
        expect(sets.length, f).toBeGreaterThan(0);
      }
    });

    it("850s: every PO1 becomes an order line with order number, date, quantity and product id", async () => {
      const expectations: Record<string, { lines: number; orders: number }> = {
        "bots_850-004010-ascii-lf.x12": { lines: 3, orders: 1 },
        "bots_850-004010.15.x12": { lines: 19, orders: 4 },
        "bots_850-004010-02.x12": { lines: 0, orders: 0 },
      };
      for (const f of samples.filter((s) => s.includes("850"))) {
        const { records, rejects } = await read("orders/x12-850.yaml", join(SHARED, f));
        expect(records.length + rejects.length, f).toBeGreaterThan(0);
        for (const r of records) {
          expect(r.orderId, f).toBeTruthy();
          expect(Number.isFinite(r.orderedAt), f).toBe(true);
        }
        const e = expectations[f];
        if (e && e.lines) {
          expect(records, f).toHaveLength(e.lines);
          expect(new Set(records.map((r) => r.orderId)).size, f).toBe(e.orders);
        }
      }
      // the third PO1 names its product only by an N4 (NDC) code, which the mapping does not list
      const lf = await read("orders/x12-850.yaml", join(SHARED, "bots_850-004010-ascii-lf.x12"));
      expect(lf.rejects).toEqual([
        expect.objectContaining({ line: 8, field: "PO106[VN|VP|SK|UP|EN]", reason: "sku is required and empty" }),
      ]);
      const { records } = await read("orders/x12-850.yaml", join(SHARED, "bots_850-004010.15.x12"));
      expect(records[0]).toMatchObject({
        orderId: "P1234567",
        line: 1,
        sku: "717119850241",
        quantity: 25,
        orderedAt: Date.parse("2002-08-27T00:00:00Z"),
      });
      expect(records[7]).toMatchObject({ orderId: "V1234567", line: 1, quantity: 5000 });
    });

    it("846s: real-world inventory advices read LIN by qualifier and QTY*33", async () => {
      const { records } = await read("wms/x12-846.yaml", join(SHARED, "newegg_846_SI_two_ST.edi"));
      expect(records.map((r) => [r.sku, r.available])).toEqual([
        ["HPW2M99UAR", 0],
        ["2SN-0001-000W7", 0],
      ]);
      const dd = await read("wms/x12-846.yaml", join(SHARED, "newegg_846_DD_single.edi"));
      expect(dd.records[0]).toMatchObject({ sku: "SAMLTD116L", available: 7 });
    });
  },
);
