import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { X12Parser } from "node-x12";
import { afterEach, describe, expect, it } from "vitest";
import { MAPPINGS, Scenario } from "../helpers/scenario.js";
import { checkWrittenX12 } from "../helpers/x12-check.js";

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

/** A warehouse that sends X12 846s and gets a 997 back for each interchange. */
function ediWarehouse(): Scenario {
  const s = new Scenario({
    carts: [{ id: "shop" }],
    patch: (c) => {
      const w = (c.merchants as Array<{ warehouses: Array<Record<string, unknown>> }>)[0].warehouses[0];
      w.inventory = {
        source: { transport: "local", dir: "in/wms/east", match: "*.x12" },
        mapping: join(MAPPINGS, "wms/x12-846.yaml"),
        ack: { destination: { transport: "local", dir: "out/acks" } },
      };
    },
  });
  scenarios.push(s);
  return s;
}

function interchange(control: string, sets: string[][]): string {
  const body = sets.map((segs, i) => {
    const st = String(i + 1).padStart(4, "0");
    return [`ST*846*${st}`, ...segs, `SE*${segs.length + 2}*${st}`];
  });
  return (
    [
      `ISA*00*          *00*          *ZZ*WAREHOUSE      *ZZ*ACME           *261120*0930*U*00401*${control}*0*P*>`,
      "GS*IB*WAREHOUSE*ACME*20261120*0930*101*X*004010",
      ...body.flat(),
      `GE*${sets.length}*101`,
      `IEA*1*${control}`,
    ].join("~\n") + "~\n"
  );
}

const BIA = "BIA*00*SI*R1*20261120*0930";

function acks(s: Scenario): string[] {
  try {
    return readdirSync(s.path("out", "acks"))
      .sort()
      .map((n) => readFileSync(s.path("out", "acks", n), "latin1"));
  } catch {
    return [];
  }
}

const segs = (text: string) =>
  text
    .split("~")
    .map((x) => x.trim())
    .filter(Boolean);

describe("997 functional acknowledgment for every X12 interchange taken in", () => {
  it("AK3/AK4 report syntax only: a fractional quantity is a business reject (AK5 A); a LIN03 over 48 characters is syntax (E); a wrong SE01 is R 4", async () => {
    const s = ediWarehouse();
    const long = "X".repeat(49);
    const sets = [
      [BIA, "LIN**SK*A-1", "QTY*33*5*EA", "LIN**SK*B-2", "QTY*33*2.5*EA"],
      [BIA, "LIN**SK*C-3", "QTY*33*9*EA"],
      [BIA, "LIN**SK*D-4", "QTY*33*1*EA", `LIN**SK*${long}`, "QTY*33*3*EA"],
    ];
    const text = interchange("000000101", sets).replace("SE*5*0002", "SE*6*0002");
    s.write("in/wms/east/inv-1.x12", text);
    const report = await s.run({ now: () => Date.parse("2026-11-20T10:00:00Z") });
    expect(report.files[0].status).toBe("loaded_with_rejects");
    expect((await s.levels()).map((r) => r.sku)).toEqual(["A-1", "D-4"]);
    // the operator hears of both: the business reject and the syntax error, each naming its segment
    expect(report.files[0].rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/not a whole number/),
      expect.stringMatching(/SE01 says 6 segments/),
      expect.stringMatching(new RegExp(`segment 19 \\(LIN\\): LIN03 "${long}" is longer than 48`)),
    ]);

    const [ack] = acks(s);
    new X12Parser(true).parse(ack); // counts and control numbers check out
    expect(segs(ack).slice(1, -2)).toEqual([
      "GS*FA*ACME*WAREHOUSE*20261120*1000*1*X*004010",
      "ST*997*0001",
      "AK1*IB*101",
      "AK2*846*0001",
      "AK5*A",
      "AK2*846*0002",
      "AK5*R*4",
      "AK2*846*0003",
      "AK3*LIN*5**8",
      `AK4*3**5*${long}`,
      "AK5*E",
      "AK9*P*3*3*2",
      "SE*12*0001",
    ]);
    expect(segs(ack)[0]).toBe(
      "ISA*00*          *00*          *ZZ*ACME           *ZZ*WAREHOUSE      *261120*1000*U*00401*000000001*0*P*>",
    );
  });

  it("finds real syntax errors: a missing mandatory element, a conditional one its notes require, a bad number", async () => {
    const s = ediWarehouse();
    const sets = [[BIA, "LIN**SK*A-1", "QTY*33", "LIN**SK*B-2", "QTY*33*1.2.3", "LIN***C-3", "QTY*33*2"]];
    s.write("in/wms/east/inv-1.x12", interchange("000000101", sets));
    const report = await s.run({ now: () => Date.parse("2026-11-20T10:00:00Z") });
    expect(report.files[0].rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/segment 6 \(QTY\): one of QTY02, QTY04 is required/),
      expect.stringMatching(/segment 8 \(QTY\): QTY02 "1.2.3" is not a number/),
      expect.stringMatching(/segment 9 \(LIN\): LIN02 is mandatory and missing/),
    ]);
    const body = segs(acks(s)[0]);
    expect(body.filter((x) => /^AK[345]/.test(x))).toEqual([
      "AK3*QTY*4**8",
      "AK4*2**2",
      "AK3*QTY*6**8",
      "AK4*2**6*1.2.3",
      "AK3*LIN*7**8",
      "AK4*2**1",
      "AK5*E",
    ]);
  });

  it("a missing header segment (BIA) rejects the whole set: AK3 code 3, AK5 R 5", async () => {
    const s = ediWarehouse();
    s.write("in/wms/east/inv-1.x12", interchange("000000101", [["LIN**SK*A-1", "QTY*33*5"]]));
    const report = await s.run();
    expect(report.files[0].rejects[0].reason).toMatch(
      /transaction set 0001 not read: .*the mandatory BIA segment is missing/,
    );
    expect(segs(acks(s)[0]).filter((x) => /^AK[2345]/.test(x))).toEqual(["AK2*846*0001", "AK3*BIA*2**3", "AK5*R*5"]);
  });

  it("the 997's GS02/GS03 are the inbound GS03/GS02 (not the ISA ids)", async () => {
    const s = ediWarehouse();
    const text = interchange("000000101", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]).replace(
      "GS*IB*WAREHOUSE*ACME*",
      "GS*IB*WMSAPP*ACMEAPP*",
    );
    s.write("in/wms/east/inv-1.x12", text);
    await s.run({ now: () => Date.parse("2026-11-20T10:00:00Z") });
    expect(segs(acks(s)[0])[1]).toBe("GS*FA*ACMEAPP*WMSAPP*20261120*1000*1*X*004010");
  });

  it("no 997 for an inbound 997 or TA1: they are acknowledgments, not data (and not rejects)", async () => {
    const s = ediWarehouse();
    const ack997 =
      [
        "ISA*00*          *00*          *ZZ*WAREHOUSE      *ZZ*ACME           *261120*0930*U*00401*000000555*0*P*>",
        "TA1*000000009*261120*0930*A*000",
        "GS*FA*WAREHOUSE*ACME*20261120*0930*555*X*004010",
        "ST*997*0001",
        "AK1*IB*9",
        "AK9*A*1*1*1",
        "SE*4*0001",
        "GE*1*555",
        "IEA*1*000000555",
      ].join("~\n") + "~\n";
    s.write("in/wms/east/ack-back.x12", ack997);
    const report = await s.run();
    expect(report.files[0]).toMatchObject({ status: "loaded", rowsRejected: 0 });
    expect(report.files[0].notes).toEqual([expect.stringMatching(/997 acknowledgment .* not data for this feed/)]);
    expect(acks(s)).toEqual([]);
  });

  it("a broken interchange gets a TA1 with its note code; ISA14=1 gets a TA1 A 000 with the 997; or, as the partner says, a 997 with AK9 R", async () => {
    const s = ediWarehouse();
    const broken = interchange("000000201", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]).replace(
      "IEA*1*000000201",
      "IEA*2*000000201",
    );
    const asking = interchange("000000202", [[BIA, "LIN**SK*B-2", "QTY*33*5"]]).replace(
      "*00401*000000202*0*P*",
      "*00401*000000202*1*P*",
    );
    s.write("in/wms/east/a.x12", broken + asking);
    await s.run({ now: () => Date.parse("2026-11-20T10:00:00Z") });
    const [first, second] = acks(s).map(segs);
    expect(first).toEqual([expect.stringMatching(/^ISA/), "TA1*000000201*261120*1000*R*021", "IEA*0*000000001"]);
    // (the TA1 alone carries no group: the partner's first group control number goes to the 997's GS)
    expect(second.slice(1, 3)).toEqual([
      "TA1*000000202*261120*1000*A*000",
      "GS*FA*ACME*WAREHOUSE*20261120*1000*1*X*004010",
    ]);
    // (node-x12 cannot read a TA1 before the GS, though X12 puts it there: the trailer is checked here)
    expect(second.at(-1)).toBe("IEA*1*000000002");

    const t = ediWarehouse();
    t.patch((c: any) => (c.merchants[0].warehouses[0].inventory.ack.interchangeErrors = "997"));
    t.write("in/wms/east/a.x12", broken);
    await t.run();
    expect(segs(acks(t)[0]).filter((x) => /^(AK|TA1)/.test(x))).toEqual(["AK1*IB*101", "AK9*R*1*1*0"]);
  });

  it("acks to several partners from one file each get their own name (partner and control number in it)", async () => {
    const s = ediWarehouse();
    const other = interchange("000000101", [[BIA, "LIN**SK*B-2", "QTY*33*5"]])
      .replace(/WAREHOUSE /g, "OTHERWMS  ")
      .replace(/\*WAREHOUSE\*/g, "*OTHERWMS*");
    s.write("in/wms/east/a.x12", interchange("000000101", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]) + other);
    await s.run();
    expect(readdirSync(s.path("out", "acks")).sort()).toEqual([
      "997-acme-ACME-OTHERWMS-000000001.x12",
      "997-acme-ACME-WAREHOUSE-000000001.x12",
    ]);
  });

  it("a second interchange with the same control number from the same sender is flagged with TA1 note 025 and not loaded twice", async () => {
    const s = ediWarehouse();
    s.write("in/wms/east/inv-1.x12", interchange("000000777", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]));
    await s.run();
    // different bytes (a later resend with another level), same ISA13
    s.write("in/wms/east/inv-2.x12", interchange("000000777", [[BIA.replace("R1", "R2"), "LIN**SK*A-1", "QTY*33*1"]]));
    const report = await s.run();
    expect(report.files[0].rowsLoaded).toBe(0);
    expect(report.files[0].rejects[0].reason).toMatch(
      /interchange 000000777 from ZZ\/WAREHOUSE was already received \(in inv-1\.x12/,
    );
    expect((await s.levels()).map((l) => l.available)).toEqual([5]);
    const [, second] = acks(s);
    expect(segs(second)).toEqual([
      expect.stringMatching(/^ISA\*/),
      expect.stringMatching(/^TA1\*000000777\*\d{6}\*\d{4}\*R\*025$/),
      "IEA*0*000000002",
    ]);
  });

  it("an acknowledgment that cannot be delivered is kept and sent on the next run, with the same control number", async () => {
    const s = ediWarehouse();
    writeFileSync(s.path("out"), "a file where the ack folder should be");
    s.write("in/wms/east/inv-1.x12", interchange("000000101", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]));
    const first = await s.run();
    expect(first.files[0].status).toBe("loaded");
    expect((await s.read((store) => store.edi.pendingAcks("acme/warehouse/east")))[0].error).toBeTruthy();
    rmSync(s.path("out"));
    await s.run();
    const sent = acks(s);
    expect(sent).toHaveLength(1);
    expect(segs(sent[0]).at(-1)).toBe("IEA*1*000000001");
  });

  it("the outbox ledger shows an acknowledgment like any outbox file: pending with its error, then delivered", async () => {
    const s = ediWarehouse();
    writeFileSync(s.path("out"), "a file where the ack folder should be");
    s.write("in/wms/east/inv-1.x12", interchange("000000101", [[BIA, "LIN**SK*A-1", "QTY*33*5"]]));
    await s.run();
    const [waiting] = await s.outbox({ kind: "ack" });
    expect(waiting).toMatchObject({ owner: "acme/warehouse/east", status: "pending", attempts: 1, deliveredAt: null });
    expect(waiting.error).toBeTruthy();
    rmSync(s.path("out"));
    await s.run();
    expect(await s.outbox({ kind: "ack" })).toEqual([
      expect.objectContaining({ name: waiting.name, status: "delivered", attempts: 2, error: null }),
    ]);
    // the cart's own files are in the same ledger
    expect((await s.outbox()).map((f) => f.kind)).toContain("cart");
  });
});
