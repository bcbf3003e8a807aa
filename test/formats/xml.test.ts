import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compileInputMapping } from "../../src/mapping/compile.js";
import { MAPPINGS, Scenario } from "../helpers/scenario.js";

const dir = mkdtempSync(join(tmpdir(), "stockfeed-xml-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let scenarios: Scenario[] = [];
afterEach(() => {
  for (const s of scenarios) s.cleanup();
  scenarios = [];
});

let n = 0;
function file(content: string): string {
  const p = join(dir, `f${++n}.xml`);
  writeFileSync(p, content);
  return p;
}

async function read(mappingFile: string, path: string) {
  const m = compileInputMapping(mappingFile);
  const table = await m.format.openTable(path, m.columns, m.readerOptions);
  const records: Array<Record<string, unknown>> = [];
  const rejects: Array<{ line: number; field: string; reason: string }> = [];
  for await (const row of table.rows) {
    const r = m.map(row, "in.xml");
    if ("record" in r) records.push(r.record as Record<string, unknown>);
    else rejects.push(...r.errors);
  }
  return { records, rejects };
}

const INVENTORY = join(MAPPINGS, "wms/xml-inventory.yaml");
const GOOD = `<?xml version="1.0" encoding="UTF-8"?>
<Inventory asOf="2026-11-20T08:00:00Z">
  <!-- <Item sku="COMMENTED"/> -->
  <Item sku="A&amp;B-1"><Available>5</Available><OnHand>7</OnHand><Lot>L1</Lot></Item>
  <Item sku="C-2">
    <Available>1.5</Available>
  </Item>
  <Item sku="D&#x2D;3"><Available>0</Available></Item>
</Inventory>
`;

describe("XML in: element and attribute paths", () => {
  it("reads records by path, decodes the predefined entities, names the line of a bad record", async () => {
    const { records, rejects } = await read(INVENTORY, file(GOOD));
    const asOf = Date.parse("2026-11-20T08:00:00Z");
    expect(records).toEqual([
      { sku: "A&B-1", available: 5, onHand: 7, lot: "L1", asOf },
      { sku: "D-3", available: 0, onHand: null, lot: null, asOf },
    ]);
    expect(rejects).toEqual([
      expect.objectContaining({ line: 5, field: "Available", reason: expect.stringMatching(/whole/) }),
    ]);
  });

  it("LF, CRLF and a BOM read the same", async () => {
    const a = await read(INVENTORY, file(GOOD));
    const b = await read(INVENTORY, file("\uFEFF" + GOOD.replace(/\n/g, "\r\n")));
    expect(b.records).toEqual(a.records);
  });
});

describe("XML in: hostile files are refused quickly, never obeyed", () => {
  const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Inventory><Item sku="&lol3;"><Available>1</Available></Item></Inventory>`;
  const external = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Inventory><Item sku="&xxe;"><Available>1</Available></Item></Inventory>`;

  it("an entity bomb (DOCTYPE) is rejected before parsing, in milliseconds", async () => {
    const started = performance.now();
    await expect(read(INVENTORY, file(bomb))).rejects.toThrow(/line 2: XML with a <!DOCTYPE> declaration is refused/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("an external entity is rejected, nothing of /etc/passwd is read", async () => {
    await expect(read(INVENTORY, file(external))).rejects.toThrow(/DOCTYPE/);
  });

  it("an undeclared entity is left as text, not expanded", async () => {
    const { records } = await read(
      INVENTORY,
      file(`<Inventory asOf="2026-11-20T08:00:00Z"><Item sku="X&foo;"><Available>1</Available></Item></Inventory>`),
    );
    expect(records[0].sku).toBe("X&foo;");
  });

  it("__proto__ elements are refused and never reach object prototypes", async () => {
    await expect(
      read(
        INVENTORY,
        file(
          `<Inventory asOf="2026-11-20T08:00:00Z"><__proto__><polluted>yes</polluted></__proto__><Item sku="A"><Available>1</Available></Item></Inventory>`,
        ),
      ),
    ).rejects.toThrow(/XML refused: .*__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a file that is not well-formed is refused with the line at fault", async () => {
    await expect(
      read(INVENTORY, file(`<Inventory>\n<Item sku="A"><Available>1</Available>\n</Inventory>`)),
    ).rejects.toThrow(/line \d+: not well-formed XML/);
  });

  it("a file whose root is not the mapping's is refused, naming both", async () => {
    await expect(read(INVENTORY, file(`<Stock><Item sku="A"/></Stock>`))).rejects.toThrow(
      /root element is <Stock>, the mapping expects <Inventory>/,
    );
  });
});

describe("XML out: well-formed, declared encoding, escaped text", () => {
  it("a cart's XML file is well-formed, escapes & < > and quotes, and reads back to the same levels", async () => {
    const s = new Scenario({
      carts: [{ id: "xml", filename: "{cart}-{seq:4}.xml" }],
      patch: (c) => {
        (c.merchants as Array<{ carts: Array<{ output: Record<string, unknown> }> }>)[0].carts[0].output.mapping = join(
          MAPPINGS,
          "carts/xml-inventory.yaml",
        );
      },
    });
    scenarios.push(s);
    s.inventory("east", "inv.csv", ['"A&B<1>",5', '"Q""uote",2', "Ünï-3,7"], { header: "sku,quantity_available" });
    await s.run({ now: () => Date.parse("2026-11-20T09:00:00Z") });
    const text = readFileSync(s.path("out", "xml", s.outputs("xml")[0]), "utf8");
    expect(
      text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<InventoryFeed generated="2026-11-20T09:00:00Z">'),
    ).toBe(true);
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text).toContain('<Product sku="A&amp;B&lt;1&gt;">');
    expect(text).toContain('<Product sku="Q&quot;uote">');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text);
    expect(parsed.InventoryFeed.Product.map((p: Record<string, unknown>) => [p["@sku"], p.Quantity])).toEqual([
      ["A&B<1>", 5],
      ['Q"uote', 2],
      ["Ünï-3", 7],
    ]);
  });
});
