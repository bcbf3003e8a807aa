import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileInputMapping } from "../../src/mapping/compile.js";
import { stringChunks, x12Segments } from "../../src/formats/x12/tokenize.js";
import { x12Transactions } from "../../src/formats/x12/envelope.js";
import { MAPPINGS, ROOT, Scenario } from "../helpers/scenario.js";
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
  return readWith(join(MAPPINGS, mapping), path, kind);
}

async function readWith(mappingPath: string, path: string, kind?: InputKind) {
  const m = compileInputMapping(mappingPath, kind);
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
    expect(rejects[0].reason).toMatch(/transaction set 846 0001: the next ST \(segment 11\) comes first/);
  });

  for (const [name, text, message] of [
    ["IEA01 counts the wrong number of groups", I846.replace("IEA*1*", "IEA*2*"), /IEA01 says 2 groups/],
    ["IEA02 differs from ISA13", I846.replace("IEA*1*000000101", "IEA*1*000000102"), /IEA02 .* does not match ISA13/],
    ["GE01 counts the wrong number of sets", I846.replace("GE*1*101", "GE*3*101"), /GE01 says 3/],
    ["GE02 differs from GS06", I846.replace("GE*1*101", "GE*1*102"), /GE02 "102" does not match GS06 "101"/],
    ["the file is truncated after a segment", I846.split("\n").slice(0, 9).join("\n"), /truncated/],
    ["the file is truncated inside a segment", I846.slice(0, I846.indexOf("CTT") + 2), /truncated/],
    ["the file is truncated inside the ISA", ISA.slice(0, 60), /ends inside the ISA/],
    [
      "the body uses other delimiters than the ISA declares",
      I846.replace(/\*/g, (m, i: number) => (i > 110 ? "|" : m)),
      /is not a segment \(wrong delimiters\?\)/,
    ],
  ] as Array<[string, string, RegExp]>) {
    it(`nothing of it loads, and each reject says why, when ${name}`, async () => {
      const { records, rejects } = await read("wms/x12-846.yaml", file(text));
      expect(records).toEqual([]);
      expect(rejects.length).toBeGreaterThan(0);
      for (const r of rejects) expect(r.reason).toMatch(message);
    });
  }

  it("a file that is not X12 at all is quarantined", async () => {
    await expect(read("wms/x12-846.yaml", file("sku,quantity\nA,1\n"))).rejects.toThrow(/not an X12 interchange/);
  });
});

/** The 846 above as interchange `control` of a file holding several. */
const interchange = (control: string, sku: string, extra: (t: string) => string = (t) => t) =>
  extra(
    I846.replace(/000000101/g, control)
      .replace("A-100", sku)
      .replace("B-200", `${sku}-B`),
  );

describe("X12 input as real partners send it", () => {
  it("counts and control numbers are numbers: zero-padded SE01, GE01, IEA01, SE02 and IEA02 are valid", async () => {
    const padded = I846.replace("SE*9*0001", "SE*0000000009*0001")
      .replace("ST*846*0001", "ST*846*000000001")
      .replace("GE*1*101", "GE*000001*0101")
      .replace("IEA*1*000000101", "IEA*00001*000000101");
    const { records, rejects } = await read("wms/x12-846.yaml", file(padded));
    expect(rejects).toEqual([]);
    expect(records.map((r) => r.sku)).toEqual(["A-100", "B-200"]);
  });

  it("NULs, a DOS end-of-file 0x1A and white space after the last IEA are ignored, with a note", async () => {
    const m = compileInputMapping(join(MAPPINGS, "wms/x12-846.yaml"));
    const table = await m.format.openTable(file(`${I846}\r\n\x1a\x00\x00  \n`), m.columns, m.readerOptions);
    const rows = [];
    for await (const row of table.rows) rows.push(row);
    expect(rows.filter((r) => r.problem)).toEqual([]);
    expect(rows).toHaveLength(2);
    expect(table.notes).toEqual(["3 NUL or end-of-file (0x1A) byte(s) after the last IEA ignored"]);
  });

  it("one broken interchange does not lose its neighbours", async () => {
    const text = [
      interchange("000000201", "GOOD-1"),
      interchange("000000202", "BROKEN", (t) => t.replace("IEA*1*000000202", "IEA*1*000000299")),
      interchange("000000203", "GOOD-3"),
    ].join("\n");
    const { records, rejects, interchanges } = await read("wms/x12-846.yaml", file(text));
    expect(records.map((r) => r.sku)).toEqual(["GOOD-1", "GOOD-1-B", "GOOD-3", "GOOD-3-B"]);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^interchange 000000202 rejected: IEA02 "000000299" does not match ISA13/),
      expect.stringMatching(/^interchange 000000202 rejected/),
    ]);
    expect(interchanges.map((i) => [i.control, (i.problem as { code?: string } | undefined)?.code])).toEqual([
      ["000000201", undefined],
      ["000000202", "001"],
      ["000000203", undefined],
    ]);
  });

  it("text that is not an interchange between two is skipped to the next ISA and reported; both interchanges load", async () => {
    const text = `${interchange("000000201", "ONE")}\nGARBAGE NOT X12\n${interchange("000000202", "TWO")}`;
    const { records, rejects } = await read("wms/x12-846.yaml", file(text));
    expect(records.map((r) => r.sku)).toEqual(["ONE", "ONE-B", "TWO", "TWO-B"]);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/after IEA the file goes on with "GARBAGE NOT X12/),
    ]);
  });

  it("the same ISA13 twice in one file: the second is a duplicate, like one from an earlier file", async () => {
    const text = `${interchange("000000201", "FIRST")}\n${interchange("000000201", "AGAIN")}`;
    const { records, rejects, interchanges } = await read("wms/x12-846.yaml", file(text));
    expect(records.map((r) => r.sku)).toEqual(["FIRST", "FIRST-B"]);
    expect(rejects[0].reason).toMatch(
      /interchange 000000201 .* was already received \(this file, the interchange at segment 1\)/,
    );
    expect(interchanges[1].duplicateOf).toBe("this file, the interchange at segment 1");
  });

  it("the same ST02 twice in a group, or GS06 twice in an interchange, rejects the repeat", async () => {
    const set = "ST*846*0001~BIA*00*SI*REF2*20261120*0930~LIN**SK*C-300~QTY*33*4~SE*5*0001~";
    const twoSets = I846.replace("GE*1*101", `${set}GE*2*101`);
    const a = await read("wms/x12-846.yaml", file(twoSets));
    expect(a.records.map((r) => r.sku)).toEqual(["A-100", "B-200"]);
    expect(a.rejects[0].reason).toMatch(/ST02 0001 is used twice in group 101/);
    const group = `GS*IB*WAREHOUSE*ACME*20261120*0930*101*X*004010~${set}GE*1*101~`;
    const twoGroups = I846.replace("IEA*1*", `${group}IEA*2*`);
    const b = await read("wms/x12-846.yaml", file(twoGroups));
    expect(b.records.map((r) => r.sku)).toEqual(["A-100", "B-200"]);
    expect(b.rejects[0].reason).toMatch(
      /functional group 101 rejected: GS06 101 is used twice in interchange 000000101/,
    );
  });
});

describe("X12 input: character encodings never merge two codes", () => {
  const latin1 = (text: string) => Buffer.from(text, "latin1");
  const two = I846.replace("A-100", "CAFÉ").replace("B-200", "CAFÈ");
  it("auto: a Latin-1 file (not valid UTF-8) is read as Latin-1, and says so; É and È stay two codes", async () => {
    const m = compileInputMapping(join(MAPPINGS, "wms/x12-846.yaml"));
    const path = file(latin1(two));
    const { records } = await read("wms/x12-846.yaml", path);
    expect(records.map((r) => r.sku)).toEqual(["CAFÉ", "CAFÈ"]);
    const table = await m.format.openTable(path, m.columns, m.readerOptions);
    for await (const _ of table.rows);
    expect(table.notes).toEqual([expect.stringMatching(/not valid UTF-8 .*: read as Latin-1/)]);
  });
  it("auto: a UTF-8 file is read as UTF-8", async () => {
    const { records } = await read("wms/x12-846.yaml", file(Buffer.from(two, "utf8")));
    expect(records.map((r) => r.sku)).toEqual(["CAFÉ", "CAFÈ"]);
  });
  it("utf8 configured: a byte that is not UTF-8 rejects its segment's record, naming the segment, never U+FFFD", async () => {
    const mapping = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace("record: LIN", "record: LIN\n  encoding: utf8"),
    );
    const { records, rejects } = await readWith(mapping, file(latin1(two)));
    expect(records).toEqual([]);
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [5, expect.stringMatching(/^segment 5 \(LIN\): the bytes from character 12 \(0xC9...\) are not valid UTF-8/)],
      [8, expect.stringMatching(/^segment 8 \(LIN\): the bytes from character 12 \(0xC8...\) are not valid UTF-8/)],
    ]);
  });
  it("ascii configured: a byte above 0x7F rejects its record; the others load", async () => {
    const mapping = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace("record: LIN", "record: LIN\n  encoding: ascii"),
    );
    const { records, rejects } = await readWith(mapping, file(latin1(I846.replace("B-200", "BÉ"))));
    expect(records.map((r) => r.sku)).toEqual(["A-100"]);
    expect(rejects[0].reason).toMatch(/segment 8 \(LIN\): byte 0xC9 at character 10 is not ASCII/);
  });
  it("windows-1252 maps 0x80-0x9F to its characters; latin1 refuses them as control codes", async () => {
    const euro = latin1(I846.replace("A-100", "A\x80"));
    const cp = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace(
        "record: LIN",
        "record: LIN\n  encoding: windows-1252",
      ),
    );
    expect((await readWith(cp, file(euro))).records[0].sku).toBe("A€");
    const l1 = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace(
        "record: LIN",
        "record: LIN\n  encoding: latin1",
      ),
    );
    expect((await readWith(l1, file(euro))).rejects[0].reason).toMatch(/byte 0x80 .* is a control code in Latin-1/);
  });
});

describe.skipIf(!existsSync(SHARED))(
  "X12 interop: real interchanges from public EDI projects (../shared/x12-samples)",
  () => {
    const samples = existsSync(SHARED) ? readdirSync(SHARED).filter((f) => !f.endsWith(".md")) : [];

    it("every sample's envelope checks out, whatever its delimiters, wrapping and version", async () => {
      for (const f of samples) {
        const text = readFileSync(join(SHARED, f), "latin1");
        const sets: string[] = [];
        for await (const t of x12Transactions(() => x12Segments(stringChunks(text)))) {
          // bots' 850-02 repeats ST02 in a group and GS06 in the interchange (copied sets): the repeats are
          // rejected as the standard says (AK5 23, AK9 19); everything else checks out
          const repeat =
            f === "bots_850-004010-02.x12" && (t.summary.problem?.code === "23" || t.group.problem?.code === "19");
          if (!repeat)
            expect(
              t.summary.problem ?? t.group.problem ?? t.interchange.problem,
              `${f} ${t.summary.st02}`,
            ).toBeUndefined();
          sets.push(t.summary.st01);
        }
        expect(sets.length, f).toBeGreaterThan(0);
      }
    });

    it("850s: every PO1 becomes an order line with order number, date, quantity and product id", async () => {
      const expectations: Record<string, { lines: number; orders: number }> = {
        "bots_850-004010-ascii-lf.x12": { lines: 0, orders: 0 },
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
      // bots' LF sample orders cases (PO103 CA): the shipped mapping names the unit it has no multiplier for;
      // with CA: 12 the quantities are in single units. Its third PO1 names its product only by an N4 (NDC) code.
      const lf = join(SHARED, "bots_850-004010-ascii-lf.x12");
      const units = (await read("orders/x12-850.yaml", lf)).rejects.filter((r) => r.field === "PO103");
      expect(units.map((r) => [r.line, r.value, r.reason])).toEqual(
        [6, 7, 8, 9].map((line) => [
          line,
          "CA",
          expect.stringMatching(/^unit of measure CA has no multiplier in the mapping/),
        ]),
      );
      const cases = file(
        readFileSync(join(MAPPINGS, "orders/x12-850.yaml"), "utf8").replace(
          "factors: { EA: 1",
          "factors: { CA: 12, EA: 1",
        ),
      );
      const byCase = await readWith(cases, lf);
      expect(byCase.records.map((r) => r.quantity)).toEqual([12, 24, 12]);
      expect(byCase.rejects).toEqual([
        expect.objectContaining({
          line: 8,
          field: "PO106[VN|VP|SK|UP|EN|UK|UA|IB|BP|CB|VA]",
          reason: "sku is required and empty",
        }),
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

describe("846 in: quantities per location, control totals, other qualifiers", () => {
  const withQty = (lin: string) =>
    I846.replace("LIN**SK*A-100~\nQTY*33*12*EA~", lin).replace(/SE\*\d+\*0001/, (m) => m);
  const recount = (text: string) => {
    const n =
      text.split("\n").findIndex((l) => l.startsWith("SE*")) -
      text.split("\n").findIndex((l) => l.startsWith("ST*")) +
      1;
    return text.replace(/SE\*\d+\*0001/, `SE*${n}*0001`);
  };
  it("several QTY*33 in one LIN loop (LS/LE locations) are summed by the shipped mapping, never the first one silently", async () => {
    const text = recount(withQty("LIN**SK*A-100~\nQTY*33*12*EA~\nLS*0100~\nN1*SF*EAST-A~\nQTY*33*5*EA~\nLE*0100~"));
    const { records, rejects } = await read("wms/x12-846.yaml", file(text));
    expect(rejects).toEqual([]);
    expect(records[0]).toMatchObject({ sku: "A-100", available: 17, onHand: 15 });
    const strict = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace(
        '"QTY02 where QTY01=33", combine: sum',
        '"QTY02 where QTY01=33"',
      ),
    );
    const r = await readWith(strict, file(text));
    expect(r.rejects[0]).toMatchObject({
      value: "12 | 5",
      reason: expect.stringMatching(/^2 values where available takes one/),
    });
  });
  it("one location of an SDQ is read by its pair; other qualifiers (QTY*02) are read the same way", async () => {
    const text = recount(withQty("LIN**SK*A-100~\nSDQ*EA*54*MEL*50*SYD*8~\nQTY*33*58*EA~\nQTY*02*7*EA~"));
    const mapping = (column: string) =>
      file(
        readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace(
          '"QTY02 where QTY01=33", combine: sum',
          `"${column}"`,
        ),
      );
    expect((await readWith(mapping("SDQ03[SYD]"), file(text))).records[0]).toMatchObject({ available: 8 });
    expect((await readWith(mapping("SDQ03[MEL]"), file(text))).records[0]).toMatchObject({ available: 50 });
    expect((await readWith(mapping("QTY02 where QTY01=02"), file(text))).records[0]).toMatchObject({ available: 7 });
    const all = file(
      readFileSync(join(MAPPINGS, "wms/x12-846.yaml"), "utf8").replace('"QTY02 where QTY01=33"', '"SDQ03[*]"'),
    );
    expect((await readWith(all, file(text))).records[0]).toMatchObject({ available: 58 });
  });
  it("a CTT01 that does not count the set's LIN loops rejects the set; the right count loads", async () => {
    expect((await read("wms/x12-846.yaml", file(I846))).rejects).toEqual([]);
    const { records, rejects } = await read("wms/x12-846.yaml", file(I846.replace("CTT*2", "CTT*3")));
    expect(records).toEqual([]);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/CTT01 says 3 line items, the set has 2 \(segment 10\)/),
      expect.stringMatching(/CTT01 says 3/),
    ]);
  });
});

describe("850 in: item qualifiers, units of measure, purposes (BEG01)", () => {
  const po = (beg01: string, lines: string[], control = "000000301") =>
    [
      `ISA*00*          *00*          *ZZ*BIGRETAIL      *ZZ*ACME           *261121*0800*U*00401*${control}*0*P*>`,
      "GS*PO*BIGRETAIL*ACME*20261121*0800*301*X*004010",
      "ST*850*0001",
      `BEG*${beg01}*SA*PO-77**20261121`,
      ...lines,
      `CTT*${lines.length}`,
      `SE*${lines.length + 4}*0001`,
      "GE*1*301",
      `IEA*1*${control}`,
    ].join("~\n") + "~\n";
  it("reads the common item qualifiers (BP, IB, CB, UA/UK/EN, VA as well as VN/VP/SK/UP), in order of preference", async () => {
    const lines = ["BP*B-1", "IB*978000", "CB*C-3", "UA*U-4", "UK*U-5", "EN*E-6", "VA*V-7", "VN*OURS*BP*B-8"].map(
      (q) => `PO1**1*EA*1.00**${q}`,
    );
    const { records } = await read("orders/x12-850.yaml", file(po("00", lines)));
    expect(records.map((r) => r.sku)).toEqual(["B-1", "978000", "C-3", "U-4", "U-5", "E-6", "V-7", "OURS"]);
  });
  it("a pack or case with a configured multiplier counts single units; an unknown unit is a reject naming it", async () => {
    const cases = file(
      readFileSync(join(MAPPINGS, "orders/x12-850.yaml"), "utf8").replace(
        "factors: { EA: 1",
        "factors: { CA: 12, EA: 1",
      ),
    );
    const { records, rejects } = await readWith(
      cases,
      file(po("00", ["PO1**2*CA*9**VN*A", "PO1**3*EA*1**VN*B", "PO1**1*PL*1**VN*C"])),
    );
    expect(records.map((r) => [r.sku, r.quantity])).toEqual([
      ["A", 24],
      ["B", 3],
    ]);
    expect(rejects).toEqual([
      expect.objectContaining({
        field: "PO103",
        value: "PL",
        reason: expect.stringMatching(/^unit of measure PL has no multiplier/),
      }),
    ]);
  });
  it("BEG01 01 cancels the lines it lists; 05 replaces the order's earlier lines (those not repeated are cancelled); others are refused", async () => {
    const s = new Scenario({ carts: [{ id: "shop" }] });
    try {
      s.patch((c: any) => {
        c.merchants[0].carts[0].orders = {
          source: { transport: "local", dir: "in/orders/shop", match: "*.x12" },
          mapping: join(MAPPINGS, "orders/x12-850.yaml"),
        };
      });
      s.inventory("east", "inv.csv", [
        "A,10,,,2026-11-20T11:00:00Z",
        "B,10,,,2026-11-20T11:00:00Z",
        "C,10,,,2026-11-20T11:00:00Z",
      ]);
      s.write("in/orders/shop/1.x12", po("00", ["PO1**2*EA*1**VN*A", "PO1**3*EA*1**VN*B"], "000000301"));
      await s.run();
      expect(s.latest("shop")).toEqual({ A: 8, B: 7, C: 10 });
      // the replacement keeps line 1 (now 1 of A), drops B, and adds C
      s.write("in/orders/shop/2.x12", po("05", ["PO1**1*EA*1**VN*A"], "000000302"));
      s.inventory("east", "inv2.csv", ["C,10,,,2026-11-20T11:00:00Z"]);
      await s.run();
      expect(s.latest("shop")).toEqual({ A: 9, B: 10, C: 10 });
      s.write("in/orders/shop/3.x12", po("01", ["PO1**1*EA*1**VN*A"], "000000303"));
      s.inventory("east", "inv3.csv", ["C,10,,,2026-11-20T11:30:00Z"]); // news (the same bytes again would be a duplicate)
      await s.run();
      expect(s.latest("shop")).toEqual({ A: 10, B: 10, C: 10 });
      s.write("in/orders/shop/4.x12", po("22", ["PO1**1*EA*1**VN*A"], "000000304"));
      const r = await s.run();
      expect(r.files[0].rejects[0].reason).toMatch(/unknown order status|not a yes\/no value/);
    } finally {
      s.cleanup();
    }
  });
});
