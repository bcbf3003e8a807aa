import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { X12Parser } from "node-x12";
import { afterEach, describe, expect, it } from "vitest";
import { MAPPINGS, Scenario } from "../helpers/scenario.js";

let scenarios: Scenario[] = [];
afterEach(() => {
  for (const s of scenarios) s.cleanup();
  scenarios = [];
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
  it("accepted sets get AK5 A; a bad element gets AK3/AK4 and E; a set with a wrong SE01 is rejected with R 4; AK9 counts them", async () => {
    const s = ediWarehouse();
    const sets = [
      [BIA, "LIN**SK*A-1", "QTY*33*5*EA", "LIN**SK*B-2", "QTY*33*2.5*EA"],
      [BIA, "LIN**SK*C-3", "QTY*33*9*EA"],
    ];
    const text = interchange("000000101", sets).replace("SE*5*0002", "SE*6*0002");
    s.write("in/wms/east/inv-1.x12", text);
    const report = await s.run({ now: () => Date.parse("2026-11-20T10:00:00Z") });
    expect(report.files[0].status).toBe("loaded_with_rejects");
    expect(s.query<{ sku: string; available: number }>("SELECT sku, available FROM inventory ORDER BY sku")).toEqual([
      { sku: "A-1", available: 5 },
    ]);

    const [ack] = acks(s);
    new X12Parser(true).parse(ack); // counts and control numbers check out
    expect(segs(ack).slice(1, -2)).toEqual([
      "GS*FA*ACME*WAREHOUSE*20261120*1000*1*X*004010",
      "ST*997*0001",
      "AK1*IB*101",
      "AK2*846*0001",
      "AK3*QTY*6**8",
      "AK4*2**6*2.5",
      "AK5*E",
      "AK2*846*0002",
      "AK5*R*4",
      "AK9*P*2*2*1",
      "SE*10*0001",
    ]);
    expect(segs(ack)[0]).toBe(
      "ISA*00*          *00*          *ZZ*ACME           *ZZ*WAREHOUSE      *261120*1000*U*00401*000000001*0*P*>",
    );
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
    expect(s.query<{ available: number }>("SELECT available FROM inventory")).toEqual([{ available: 5 }]);
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
    expect(s.query<{ error: string }>("SELECT error FROM acks")[0].error).toBeTruthy();
    rmSync(s.path("out"));
    await s.run();
    const sent = acks(s);
    expect(sent).toHaveLength(1);
    expect(segs(sent[0]).at(-1)).toBe("IEA*1*000000001");
  });
});
