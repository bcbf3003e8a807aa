import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X12Parser } from "node-x12";
import { parse, stringify } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { Scenario, MAPPINGS } from "../helpers/scenario.js";
import { checkWrittenX12 } from "../helpers/x12-check.js";
import { compileInputMapping } from "../../src/mapping/compile.js";
import { openStore } from "../../src/state/store.js";
import { loadConfig } from "../../src/config/load.js";
import { createX12Writer, restampX12, x12WriterOptions } from "../../src/formats/x12/writer.js";
import { x12EnvelopeSchema } from "../../src/formats/x12/interchange.js";
import { main } from "../../src/cli/main.js";
import type { ConfigError } from "../../src/errors.js";

let scenarios: Scenario[] = [];
afterEach(() => {
  // every X12 file these tests made is read by a parser that is not ours
  try {
    for (const s of scenarios) checkWrittenX12(s);
  } finally {
    for (const s of scenarios) s.cleanup();
    scenarios = [];
  }
});

type Envelope = Record<string, unknown>;

/** A merchant with one warehouse and one cart whose file is an X12 846. */
function x12Scenario(
  envelope: Envelope = {},
  mapping = "carts/x12-846.yaml",
  extra: Record<string, unknown> = {},
): Scenario {
  const s = new Scenario({
    carts: [{ id: "edi", filename: "846-{seq:4}.x12" }],
    patch: (c) => {
      const cart = (c.merchants as Array<{ carts: Array<Record<string, unknown>> }>)[0].carts[0];
      const output = cart.output as Record<string, unknown>;
      output.mapping = join(MAPPINGS, mapping);
      output.x12 = {
        sender: { qualifier: "ZZ", id: "ACME" },
        receiver: { qualifier: "01", id: "123456789" },
        lineBreak: "lf",
        ...envelope,
      };
      Object.assign(cart, extra);
    },
  });
  scenarios.push(s);
  return s;
}

/** A cart by UPC on the retail 846 mapping (UPC and vendor item number, CTT02 the quantity total). */
function retailScenario(envelope: Envelope = {}): Scenario {
  const s = new Scenario({
    aliases: true,
    carts: [{ id: "edi", alias: "upc", filename: "846-{seq:4}.x12" }],
    patch: (c) => {
      const output = (c.merchants as Array<{ carts: Array<{ output: Record<string, unknown> }> }>)[0].carts[0].output;
      output.mapping = join(MAPPINGS, "carts/x12-846-retail.yaml");
      output.x12 = {
        sender: { qualifier: "ZZ", id: "ACME" },
        receiver: { qualifier: "08", id: "9251750000" },
        ...envelope,
      };
    },
  });
  scenarios.push(s);
  return s;
}

function outputText(s: Scenario, cart = "edi", index = -1): string {
  const names = s.outputs(cart);
  return readFileSync(s.path("out", cart, names.at(index)!), "latin1");
}

function segments(text: string, terminator = "~", element = "*"): string[][] {
  return text
    .split(terminator)
    .map((x) => x.replace(/[\r\n]/g, ""))
    .filter((x) => x !== "")
    .map((x) => x.split(element));
}

/**
 * node-x12, an X12 parser that is not ours, in strict mode: it checks SE01, SE02, GE01, GE02, IEA01, IEA02 and the
 * ISA's width.
 */
function parseStrict(text: string) {
  return new X12Parser(true).parse(text) as {
    functionalGroups: Array<{ transactions: Array<{ segments: Array<{ tag: string; valueOf(n: number): string }> }> }>;
  };
}

describe("X12 846 out: the envelope", () => {
  it("the ISA has every element at its fixed width, 106 characters with its terminator, and node-x12 strict parses the file", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["A-1,5,,,2026-11-20T08:00:00Z", "B-2,0,,,2026-11-20T08:00:00Z"]);
    await s.run({ now: () => Date.parse("2026-11-20T09:30:00Z") });
    const text = outputText(s);
    const isa = text.slice(0, text.indexOf("~") + 1);
    expect(isa).toHaveLength(106);
    expect(isa).toBe(
      "ISA*00*          *00*          *ZZ*ACME           *01*123456789      *261120*0930*U*00401*000000001*0*P*>~",
    );
    const parsed = parseStrict(text);
    const tx = parsed.functionalGroups[0].transactions[0];
    expect(tx.segments.map((g) => g.tag)).toEqual(["BIA", "DTM", "LIN", "QTY", "LIN", "QTY", "CTT"]);
    expect(segments(text).slice(1)).toEqual([
      ["GS", "IB", "ACME", "123456789", "20261120", "0930", "1", "X", "004010"],
      ["ST", "846", "0001"],
      ["BIA", "00", "SI", "000000001", "20261120", "0930"],
      ["DTM", "405", "20261120", "0930"],
      ["LIN", "", "SK", "A-1"],
      ["QTY", "33", "5", "EA"],
      ["LIN", "", "SK", "B-2"],
      ["QTY", "33", "0", "EA"],
      ["CTT", "2"],
      ["SE", "9", "0001"],
      ["GE", "1", "1"],
      ["IEA", "1", "000000001"],
    ]);
  });

  it("control numbers are kept per partner, increase on every file and are never reused, even when a run died after taking one", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["A-1,5,,,2026-11-20T08:00:00Z"]);
    await s.run();
    // a run that reserved numbers and died before its file was delivered
    const store = await openStore(s.path("state", "stockfeed.sqlite"));
    expect(await store.edi.reserveControlNumbers("ZZ:ACME>01:123456789", 1)).toEqual({ isa: 2, gs: 2, st: 2 });
    await store.close();
    await s.run();
    const [first, second] = [outputText(s, "edi", 0), outputText(s, "edi", 1)].map((t) => segments(t));
    expect([first[0][13], first[1][6], first[2][2]]).toEqual(["000000001", "1", "0001"]);
    expect([second[0][13], second[1][6], second[2][2]]).toEqual(["000000003", "3", "0003"]);
    expect(second.at(-1)).toEqual(["IEA", "1", "000000003"]);
  });

  it("more records than the partner's limit per transaction set are split into several ST/SE in one GS", async () => {
    const s = x12Scenario({ maxRecordsPerTransaction: 2 });
    s.inventory("east", "inv.csv", ["A,1", "B,2", "C,3", "D,4", "E,5"], { header: "sku,quantity_available" });
    await s.run();
    const text = outputText(s);
    const parsed = parseStrict(text);
    expect(parsed.functionalGroups[0].transactions).toHaveLength(3);
    const segs = segments(text);
    expect(segs.filter((g) => g[0] === "ST").map((g) => g[2])).toEqual(["0001", "0002", "0003"]);
    expect(segs.filter((g) => g[0] === "CTT")).toEqual([
      ["CTT", "2"],
      ["CTT", "2"],
      ["CTT", "1"],
    ]);
    expect(segs.find((g) => g[0] === "GE")).toEqual(["GE", "3", "1"]);
    // the next file continues after the three reserved ST numbers
    s.inventory("east", "inv2.csv", ["A,9"], { header: "sku,quantity_available" });
    await s.run();
    expect(segments(outputText(s)).find((g) => g[0] === "ST")).toEqual(["ST", "846", "0004"]);
  });

  it("5010: ISA11 is the repetition separator, ISA12 00501, GS08 005010; other delimiters as configured", async () => {
    const s = x12Scenario({
      version: "005010",
      delimiters: { element: "|", component: ":", segment: "\x1c", repetition: "^" },
      lineBreak: "none",
    });
    s.inventory("east", "inv.csv", ["A-1,5"], { header: "sku,quantity_available" });
    await s.run();
    const text = outputText(s);
    expect(text).not.toContain("\n");
    const isa = segments(text, "\x1c", "|")[0];
    expect([isa[11], isa[12], isa[16]]).toEqual(["^", "00501", ":"]);
    expect(segments(text, "\x1c", "|")[1][8]).toBe("005010");
    expect(parseStrict(text).functionalGroups[0].transactions).toHaveLength(1);
  });

  it("CTT02 carries the quantity total when the mapping asks for it; the retail mapping sends UPC and vendor item number", async () => {
    const t = retailScenario();
    t.aliases("aliases.csv", ["A-1,upc,012345678905", "B-2,upc,098765432109"]);
    t.inventory("east", "inv.csv", ["A-1,5", "B-2,7"], { header: "sku,quantity_available" });
    await t.run();
    const segs = segments(outputText(t));
    expect(segs.filter((g) => g[0] === "LIN")).toEqual([
      ["LIN", "", "UP", "012345678905", "VN", "A-1"],
      ["LIN", "", "UP", "098765432109", "VN", "B-2"],
    ]);
    expect(segs.find((g) => g[0] === "CTT")).toEqual(["CTT", "2", "12"]);
  });
  it("CTT02 totals each transaction set of a split 846 on its own, not the file", async () => {
    const t = retailScenario({ maxRecordsPerTransaction: 2 });
    const skus = ["A", "B", "C", "D", "E"];
    t.aliases(
      "aliases.csv",
      skus.map((k, i) => `${k},upc,00000000000${i}`),
    );
    t.inventory(
      "east",
      "inv.csv",
      skus.map((k, i) => `${k},${i + 1}`),
      { header: "sku,quantity_available" },
    );
    await t.run();
    const text = outputText(t);
    expect(parseStrict(text).functionalGroups[0].transactions).toHaveLength(3);
    expect(segments(text).filter((g) => g[0] === "CTT")).toEqual([
      ["CTT", "2", "3"],
      ["CTT", "2", "7"],
      ["CTT", "1", "5"],
    ]);
  });
});

describe("rule 4, send-all: with nothing loaded since the last file, its lines go again without being recomputed", () => {
  const body = (t: string) =>
    segments(t).filter((g) => !["ISA", "GS", "ST", "BIA", "DTM", "SE", "GE", "IEA"].includes(g[0]));
  it("the X12 846 of a run with no news repeats the last file's records in a new interchange: new control numbers, valid for node-x12, times updated", async () => {
    const s = x12Scenario({ maxRecordsPerTransaction: 2 });
    s.inventory("east", "inv.csv", ["A,1", "B,2", "C,3", "D,4", "E,5"], { header: "sku,quantity_available" });
    const first = await s.run();
    expect(first.carts[0]).toMatchObject({ action: "sent", reason: "first-sync", rows: 5 });
    const again = await s.run();
    expect(again.carts[0]).toMatchObject({
      action: "sent",
      reason: "send-all",
      rows: 5,
      units: 15,
      repeated: "846-0001.x12",
      file: "846-0002.x12",
    });
    const [a, b] = [outputText(s, "edi", 0), outputText(s, "edi", 1)];
    expect(parseStrict(b).functionalGroups[0].transactions).toHaveLength(3);
    expect(body(b)).toEqual(body(a));
    const segs = segments(b);
    expect([segs[0][13], segs[1][6]]).toEqual(["000000002", "2"]);
    expect(segs.filter((g) => g[0] === "ST").map((g) => g[2])).toEqual(["0004", "0005", "0006"]);
    expect(segs.filter((g) => g[0] === "SE")).toEqual(
      segments(a)
        .filter((g) => g[0] === "SE")
        .map((g, i) => ["SE", g[1], `000${4 + i}`]),
    );
    expect(segs.find((g) => g[0] === "BIA")![3]).toBe("000000002");
    // View Product Sync: every code was last sent in the second file
    expect([...new Set((await s.lastSent("edi")).map((x) => x.file))]).toEqual(["846-0002.x12"]);
    // only the last delivered file is kept for this
    expect(readdirSync(s.path("work/kept/acme/edi"))).toHaveLength(1);
  });

  it("repeats keep the partner's own delimiters and line breaks (5010, | : \\x1c, CRLF)", async () => {
    const s = x12Scenario({
      version: "005010",
      delimiters: { element: "|", component: ":", segment: "\x1c", repetition: "^" },
      lineBreak: "crlf",
    });
    s.inventory("east", "inv.csv", ["A-1,5", "B-2,7"], { header: "sku,quantity_available" });
    await s.run();
    expect((await s.run()).carts[0].repeated).toBe("846-0001.x12");
    const [a, b] = [outputText(s, "edi", 0), outputText(s, "edi", 1)];
    expect(b.split("\x1c\r\n").length).toBe(a.split("\x1c\r\n").length);
    const segs = segments(b, "\x1c", "|");
    expect([segs[0][12], segs[0][13], segs[1][6], segs[1][8]]).toEqual(["00501", "000000002", "2", "005010"]);
    expect(segs.filter((g) => g[0] === "LIN")).toEqual(segments(a, "\x1c", "|").filter((g) => g[0] === "LIN"));
    expect(parseStrict(b).functionalGroups[0].transactions).toHaveLength(1);
  });

  it("a kept copy that is not a whole interchange is not sent: the file is made anew, and no control number is lost", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["A,1", "B,2"], { header: "sku,quantity_available" });
    await s.run();
    const dir = s.path("work/kept/acme/edi");
    const kept = join(dir, readdirSync(dir)[0]);
    writeFileSync(kept, readFileSync(kept, "latin1").slice(0, 200), "latin1");
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "sent", reason: "send-all", rows: 2 });
    expect(r.carts[0].repeated).toBeUndefined();
    const segs = segments(outputText(s));
    // the failed restamp's reservation was rolled back: the new file takes the next numbers
    expect([segs[0][13], segs.find((g) => g[0] === "ST")![2]]).toEqual(["000000002", "0002"]);
    expect(parseStrict(outputText(s)).functionalGroups[0].transactions).toHaveLength(1);
  });

  it("the repeat is exactly what rendering the same lines anew with those control numbers gives", async () => {
    const s = x12Scenario({ maxRecordsPerTransaction: 2 });
    s.inventory("east", "inv.csv", ["A,1", "B,2", "C,3"], { header: "sku,quantity_available" });
    await s.run();
    await s.run();
    const repeated = outputText(s, "edi", 1);
    // without the kept copy, the third run renders: same control-number step, same records
    rmSync(s.path("work/kept"), { recursive: true });
    const rendered = await s.run();
    expect(rendered.carts[0].repeated).toBeUndefined();
    const fresh = outputText(s, "edi", 2);
    const numbersOf = (t: string) =>
      segments(t).filter((g) => ["ISA", "GS", "ST", "SE", "GE", "IEA", "BIA"].includes(g[0]));
    expect(body(fresh)).toEqual(body(repeated));
    expect(numbersOf(fresh).length).toBe(numbersOf(repeated).length);
  });

  it("a CSV cart that opted into send-all gets the same bytes under its next name; a changed setting renders anew", async () => {
    const s = new Scenario({
      carts: [{ id: "shop", filename: "stock-{seq}.csv" }],
      patch: (c) =>
        Object.assign((c.merchants as Array<{ carts: Array<Record<string, unknown>> }>)[0].carts[0], { sendAll: true }),
    });
    scenarios.push(s);
    s.inventory("east", "inv.csv", ["A,5,,,2026-11-20T08:00:00Z", "B,0,,,2026-11-20T08:00:00Z"]);
    await s.run();
    expect((await s.run()).carts[0]).toMatchObject({ reason: "send-all", repeated: "stock-1.csv", rows: 2, units: 5 });
    expect(readFileSync(s.path("out/shop/stock-2.csv"), "utf8")).toBe(
      readFileSync(s.path("out/shop/stock-1.csv"), "utf8"),
    );
    const config = parse(readFileSync(s.configPath, "utf8")) as {
      merchants: Array<{ carts: Array<Record<string, unknown>> }>;
    };
    config.merchants[0].carts[0].minimumLevel = 10;
    writeFileSync(s.configPath, stringify(config));
    const changed = await s.run();
    expect(changed.carts[0]).toMatchObject({ reason: "settings-changed", units: 0 });
    expect(changed.carts[0].repeated).toBeUndefined();
  });

  it("an order file or inventory news makes the next file computed anew; then repeats resume", async () => {
    const s = x12Scenario({}, "carts/x12-846.yaml", {
      orders: {
        source: { transport: "local", dir: "in/orders/edi" },
        mapping: join(MAPPINGS, "orders/generic-csv.yaml"),
      },
    });
    s.inventory("east", "inv.csv", ["A,5,,,2026-11-20T08:00:00Z"]);
    await s.run();
    expect((await s.run()).carts[0].repeated).toBe("846-0001.x12");
    // an order placed after the snapshot changes the level without being inventory news
    s.write("in/orders/edi/o.csv", "order_id,line,sku,quantity,ordered_at,status\n1,1,A,2,2026-11-20T09:00:00Z,open\n");
    const afterOrder = await s.run();
    expect(afterOrder.carts[0]).toMatchObject({ reason: "send-all", units: 3 });
    expect(afterOrder.carts[0].repeated).toBeUndefined();
    s.inventory("east", "inv2.csv", ["A,9,,,2026-11-20T10:00:00Z"]);
    const news = await s.run();
    expect(news.carts[0]).toMatchObject({ reason: "news", units: 9 });
    expect(news.carts[0].repeated).toBeUndefined();
    expect((await s.run()).carts[0]).toMatchObject({ reason: "send-all", repeated: "846-0004.x12", units: 9 });
  });
});

describe("X12 846 out: data that fights the format never breaks the interchange", () => {
  it("a code holding a delimiter is left out of that cart's file with a clear reason; the file stays valid", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["GOOD-1,5", "BAD*2,3", "BAD~3,4", "ÉTÉ-4,1"], { header: "sku,quantity_available" });
    const report = await s.run();
    const cart = report.carts[0];
    expect(cart.action).toBe("sent");
    expect(cart.rows).toBe(1);
    expect(cart.skipped.unsendable).toBe(3);
    expect(cart.skippedExamples.map((e) => [e.code, e.detail])).toEqual([
      ["BAD*2", expect.stringContaining('contains "*", a delimiter')],
      ["BAD~3", expect.stringContaining('contains "~", a delimiter')],
      ["ÉTÉ-4", expect.stringContaining("non-ASCII")],
    ]);
    const text = outputText(s);
    expect(parseStrict(text).functionalGroups[0].transactions[0].segments.filter((g) => g.tag === "LIN")).toHaveLength(
      1,
    );
    // View Product Sync does not claim they were sent
    expect((await s.productSync("edi")).filter((r) => r.lastCartSyncAt !== "NEVER").map((r) => r.sku)).toEqual([
      "GOOD-1",
    ]);
    // and explain says why the cart never got it
    const out: string[] = [];
    await main(["explain", "--config", s.configPath, "--cart", "edi", "--sku", "BAD*2", "--json"], {
      out: (t) => out.push(t),
      err: () => {},
    });
    expect(JSON.parse(out.join("")).explanation.verdict).toEqual({
      check: "unsendable",
      text: expect.stringMatching(
        /^BAD\*2 holds a character the cart's file format cannot carry .* so 846-0001\.x12 left it out/,
      ),
    });
    expect(JSON.parse(out.join("")).explanation.verdict.text).toContain('contains "*", a delimiter');
  });

  it("unsendable lines are a problem: the run exits 1 and view-sync --problems lists each with its reason", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["GOOD-1,5", "BAD*2,3"], { header: "sku,quantity_available" });
    const report = await s.run();
    expect(report.exitCode).toBe(1);
    const out: string[] = [];
    await main(
      ["view-sync", "--config", s.configPath, "--cart", "edi", "--problems", "--json", "--now", "2026-11-20T12:00:00Z"],
      { out: (t) => out.push(t), err: () => {} },
    );
    expect(JSON.parse(out.join("\n")).rows).toEqual([
      expect.objectContaining({
        sku: "BAD*2",
        problem: true,
        reason: expect.stringMatching(/^left out of the newest file: .*contains "\*", a delimiter/),
      }),
    ]);
  });

  it("with invalidCharacters: strip in the mapping, delimiters are removed and accents dropped instead", async () => {
    const s = x12Scenario({}, "carts/x12-846.yaml");
    const mapping = s.write(
      "strip.yaml",
      readFileSync(join(MAPPINGS, "carts/x12-846.yaml"), "utf8").replace(
        "  record: [LIN, QTY]",
        "  record: [LIN, QTY]\n  invalidCharacters: strip",
      ),
    );
    const cfg = readFileSync(s.configPath, "utf8").replace(join(MAPPINGS, "carts/x12-846.yaml"), mapping);
    s.write("stockfeed.yaml", cfg);
    s.inventory("east", "inv.csv", ["BAD*2,3", "ÉTÉ-4,1"], { header: "sku,quantity_available" });
    await s.run();
    expect(
      segments(outputText(s))
        .filter((g) => g[0] === "LIN")
        .map((g) => g[3]),
    ).toEqual(["BAD2", "ETE-4"]);
  });

  it("no trailing empty elements are written; empty elements inside a segment are kept", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["A-1,5"], { header: "sku,quantity_available" });
    await s.run();
    const text = outputText(s);
    expect(text).toContain("LIN**SK*A-1~");
    expect(text).not.toMatch(/\*~/);
  });
});

describe("X12 846 out: round trip", () => {
  it("what stockfeed writes, stockfeed's own 846 mapping reads back to the same levels", async () => {
    const s = x12Scenario();
    const lines = Array.from({ length: 30 }, (_, i) => `SKU-${String(i).padStart(3, "0")},${(i * 7) % 13}`);
    s.inventory("east", "inv.csv", lines, { header: "sku,quantity_available" });
    await s.run();
    const m = compileInputMapping(join(MAPPINGS, "wms/x12-846.yaml"), "inventory");
    const out = s.path("out", "edi", s.outputs("edi")[0]);
    const table = await m.format.openTable(out, m.columns, m.readerOptions);
    const back: Array<[string, number]> = [];
    for await (const row of table.rows) {
      const r = m.map(row, "out");
      if ("record" in r) back.push([r.record.sku, r.record.available]);
    }
    expect(back).toEqual(lines.map((l) => [l.split(",")[0], Number(l.split(",")[1])]));
  });
});

describe("X12 config and mapping errors are reported before anything moves", () => {
  const problems = (s: Scenario): string[] => {
    try {
      loadConfig(s.configPath);
    } catch (e) {
      return (e as ConfigError).problems;
    }
    return [];
  };

  it("an X12 cart without its partner's envelope, and an envelope on a CSV cart, are config errors", () => {
    const s = x12Scenario();
    s.write("stockfeed.yaml", readFileSync(s.configPath, "utf8").replace(/\n\s+x12:\n(\s{8,}.*\n)+/, "\n"));
    expect(problems(s).join("\n")).toMatch(/an X12 output needs the partner's envelope under output.x12/);
    const t = new Scenario({
      patch: (c) => {
        (c.merchants as Array<{ carts: Array<{ output: Record<string, unknown> }> }>)[0].carts[0].output.x12 = {
          sender: { qualifier: "ZZ", id: "AA" },
          receiver: { qualifier: "ZZ", id: "BB" },
        };
      },
    });
    scenarios.push(t);
    expect(problems(t).join("\n")).toMatch(/output.x12 is for X12 outputs; this mapping writes csv/);
  });

  it("the envelope refuses what makes invalid files: a one-character id without a GS application code, a line-break terminator with lineBreak", () => {
    expect(problems(x12Scenario({ sender: { qualifier: "ZZ", id: "A" } })).join("\n")).toMatch(
      /output\.x12\.sender\.application: GS02\/GS03 need 2-15 characters and this id has 1/,
    );
    expect(problems(x12Scenario({ sender: { qualifier: "ZZ", id: "A", application: "AAPP" } }))).toEqual([]);
    const nl = x12Scenario({ delimiters: { segment: "\n" }, lineBreak: "lf" });
    expect(problems(nl).join("\n")).toMatch(
      /delimiters: the segment terminator is a line break and lineBreak adds another/,
    );
    expect(problems(x12Scenario({ delimiters: { segment: "\n" }, lineBreak: "none" }))).toEqual([]);
    expect(problems(x12Scenario({ delimiters: { segment: "X" } })).join("\n")).toMatch(
      /cannot be a letter, digit or space/,
    );
  });

  it("a value its element cannot hold (LIN03 over 48 characters in 4010) is an unsendable line with its reason", async () => {
    const s = x12Scenario();
    s.inventory("east", "inv.csv", ["OK-1,5", `${"L".repeat(49)},3`], { header: "sku,quantity_available" });
    const report = await s.run();
    expect(report.exitCode).toBe(1);
    expect(report.carts[0].skipped.unsendable).toBe(1);
    expect(report.carts[0].skippedExamples[0].detail).toMatch(
      /^LIN03 "L{49}" is longer than 48 \(LIN03 is AN 1\/48 in X12\)/,
    );
    expect(
      parseStrict(outputText(s)).functionalGroups[0].transactions[0].segments.filter((g) => g.tag === "LIN"),
    ).toHaveLength(1);
  });

  it("a qualifier and its value agree: UP beside the SKU, or beside the code of a cart pushed by SKU, is refused", () => {
    const mapping = (lines: string) => {
      const s = x12Scenario({}, "carts/x12-846.yaml");
      const m = s.write(
        "q.yaml",
        readFileSync(join(MAPPINGS, "carts/x12-846.yaml"), "utf8").replace(
          "  - { header: LIN02, constant: SK }\n  - { header: LIN03, field: code }",
          lines,
        ),
      );
      s.write("stockfeed.yaml", readFileSync(s.configPath, "utf8").replace(join(MAPPINGS, "carts/x12-846.yaml"), m));
      return problems(s).join("\n");
    };
    expect(mapping("  - { header: LIN02, constant: UP }\n  - { header: LIN03, field: sku }")).toMatch(
      /LIN02 UP says LIN03 is a UPC, but it carries field sku/,
    );
    expect(mapping("  - { header: LIN02, constant: UP }\n  - { header: LIN03, field: code }")).toMatch(
      /LIN02 UP says LIN03 is a UPC, but the cart pushes the SKU \(the cart has no alias\) as code/,
    );
    expect(mapping("  - { header: LIN02, constant: SK }\n  - { header: LIN03, field: code }")).toBe("");
  });

  it("delimiters that collide are refused with the line", () => {
    const s = x12Scenario({ delimiters: { element: "*", component: "*" } });
    expect(problems(s).join("\n")).toMatch(/stockfeed\.yaml:\d+: .*delimiters must differ/);
  });

  it("a bad element reference in a mapping names the mapping file and line", () => {
    const s = x12Scenario();
    const bad = s.write(
      "bad.yaml",
      readFileSync(join(MAPPINGS, "carts/x12-846.yaml"), "utf8")
        .replace("header: QTY02,", "header: QTYX2,")
        .replace("header: LIN03,", "header: REF02,"),
    );
    s.write("stockfeed.yaml", readFileSync(s.configPath, "utf8").replace(join(MAPPINGS, "carts/x12-846.yaml"), bad));
    const p = problems(s).join("\n");
    expect(p).toMatch(/bad\.yaml:\d+: columns\[1\]\.header: REF02: segment REF is not in x12.record/);
    expect(p).toMatch(/bad\.yaml:\d+: columns\[3\]\.header: "QTYX2" is not an X12 element/);
  });
});

describe("restampX12: an earlier file of the writer, as a new interchange", () => {
  it("equals, byte for byte, what the writer makes of the same records with the new control numbers and time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stockfeed-restamp-"));
    try {
      const o = x12WriterOptions.parse({ record: ["LIN", "QTY"] });
      const headers = ["LIN02", "LIN03", "QTY01", "QTY02", "QTY03"];
      for (const lineBreak of ["none", "lf", "crlf"] as const) {
        const envelope = x12EnvelopeSchema.parse({
          sender: { qualifier: "ZZ", id: "ACME" },
          receiver: { qualifier: "01", id: "123456789" },
          lineBreak,
          maxRecordsPerTransaction: 3,
        });
        const ctx = (n: number, now: string) => ({
          now: Date.parse(now),
          plannedRecords: 10,
          envelope: { settings: envelope, reserve: async () => ({ isa: n, gs: n, st: n * 10 }) },
        });
        const render = async (name: string, c: ReturnType<typeof ctx>) => {
          const w = await createX12Writer(join(dir, name), headers, o, c);
          for (let i = 0; i < 10; i++) await w.write(["SK", `SKU-${i}`, "33", String(i * 7), "EA"]);
          await w.close();
        };
        await render(`old-${lineBreak}`, ctx(1, "2026-11-20T08:00:00Z"));
        await render(`fresh-${lineBreak}`, ctx(2, "2026-11-21T09:30:00Z"));
        await restampX12(
          join(dir, `old-${lineBreak}`),
          join(dir, `again-${lineBreak}`),
          o,
          ctx(2, "2026-11-21T09:30:00Z"),
        );
        expect(readFileSync(join(dir, `again-${lineBreak}`), "latin1")).toBe(
          readFileSync(join(dir, `fresh-${lineBreak}`), "latin1"),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
