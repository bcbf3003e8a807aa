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

describe("XML as partners send it: encodings, repeated parents, namespaces, CDATA", () => {
  const bytes = (p: string, b: Buffer) => {
    writeFileSync(p, b);
    return p;
  };
  const doc = (encoding: string, sku: string) =>
    `<?xml version="1.0" encoding="${encoding}"?>\n<Inventory asOf="2026-11-20T08:00:00Z"><Item sku="${sku}"><Available>5</Available></Item><Item sku="${sku}2"><Available>1</Available></Item></Inventory>\n`;
  it("the declared encoding is honoured: ISO-8859-1, windows-1252, UTF-16 LE and BE with a BOM; two accented codes stay two", async () => {
    const latin = bytes(join(dir, "latin.xml"), Buffer.from(doc("ISO-8859-1", "CAFÉ"), "latin1"));
    expect((await read(INVENTORY, latin)).records.map((r) => r.sku)).toEqual(["CAFÉ", "CAFÉ2"]);
    const cp = bytes(join(dir, "cp.xml"), Buffer.from(doc("windows-1252", "A\x80"), "latin1"));
    expect((await read(INVENTORY, cp)).records.map((r) => r.sku)).toEqual(["A€", "A€2"]);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc("UTF-16", "ÉTÉ"), "utf16le")]);
    expect((await read(INVENTORY, bytes(join(dir, "le.xml"), le))).records.map((r) => r.sku)).toEqual(["ÉTÉ", "ÉTÉ2"]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(doc("UTF-16", "ÉTÉ"), "utf16le").swap16()]);
    expect((await read(INVENTORY, bytes(join(dir, "be.xml"), be))).records.map((r) => r.sku)).toEqual(["ÉTÉ", "ÉTÉ2"]);
  });
  it("an encoding it cannot honour, or bytes that are not what the file declares, refuse the file naming it: never a silent U+FFFD", async () => {
    const ebcdic = file(doc("EBCDIC-CP-US", "A"));
    await expect(read(INVENTORY, ebcdic)).rejects.toThrow(/encoding="EBCDIC-CP-US" is not one stockfeed reads/);
    const lying = bytes(join(dir, "lying.xml"), Buffer.from(doc("UTF-8", "CAFÉ"), "latin1"));
    await expect(read(INVENTORY, lying)).rejects.toThrow(
      /bytes that are not UTF-8 near byte \d+ \(the file declares encoding="UTF-8"\)/,
    );
  });
  it("records under repeated parents are all read, each with its parent's values (../@id)", async () => {
    const m = file(
      readFileSync(INVENTORY, "utf8")
        .replace("record: Inventory/Item", "record: Inventory/Warehouse/Item")
        .replace("lot: { column: Lot }", "lot: { column: ../@id }"),
    );
    const text = `<Inventory asOf="2026-11-20T08:00:00Z">
  <Warehouse id="W1"><Item sku="A"><Available>1</Available></Item><Item sku="B"><Available>2</Available></Item></Warehouse>
  <Warehouse id="W2"><Item sku="C"><Available>3</Available></Item></Warehouse>
</Inventory>`;
    const { records } = await read(m, file(text));
    expect(records.map((r) => [r.sku, r.available, r.lot])).toEqual([
      ["A", 1, "W1"],
      ["B", 2, "W1"],
      ["C", 3, "W2"],
    ]);
  });
  it("namespaces are matched by URI, not by prefix: any prefix (or the default) bound to the mapping's URI reads the same", async () => {
    const m = file(
      [
        "kind: inventory",
        "format: xml",
        "xml:",
        "  record: inv:Inventory/inv:Item",
        '  namespaces: { inv: "urn:acme:inventory" }',
        "fields:",
        '  sku: { column: "@sku" }',
        "  available: { column: inv:Available }",
        "  asOf: { column: /inv:Inventory/@asOf, format: iso8601 }",
      ].join("\n") + "\n",
    );
    const body = (p: string) =>
      `<${p}Inventory asOf="2026-11-20T08:00:00Z"><${p}Item sku="A"><${p}Available>4</${p}Available></${p}Item></${p}Inventory>`;
    for (const [declare, prefix] of [
      ['xmlns:x="urn:acme:inventory"', "x:"],
      ['xmlns:inv="urn:acme:inventory"', "inv:"],
      ['xmlns="urn:acme:inventory"', ""],
    ]) {
      const text = body(prefix).replace("<" + prefix + "Inventory ", `<${prefix}Inventory ${declare} `);
      expect((await read(m, file(text))).records.map((r) => [r.sku, r.available])).toEqual([["A", 4]]);
    }
    // the right prefix bound to another URI is another namespace
    const other = body("inv:").replace("<inv:Inventory ", '<inv:Inventory xmlns:inv="urn:someone:else" ');
    await expect(read(m, file(other))).rejects.toThrow(/root element is <inv:Inventory> in urn:someone:else/);
  });
  it("CDATA content is literal: no entity decoding inside it", async () => {
    const text = `<Inventory asOf="2026-11-20T08:00:00Z"><Item sku="A"><Available>1</Available><Lot><![CDATA[L&amp;1 <x>]]></Lot></Item><Item sku="B"><Available>1</Available><Lot>L&amp;2</Lot></Item></Inventory>`;
    expect((await read(INVENTORY, file(text))).records.map((r) => r.lot)).toEqual(["L&amp;1 <x>", "L&2"]);
  });
});
