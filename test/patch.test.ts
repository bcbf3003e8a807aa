/**
 * A cart file patched from the cart's last one is the file a full render gives: the same
 * inputs run twice, in two states, one patching and one rendering every file whole (same
 * clock, so the same names, sequence and control numbers), must deliver byte-identical files
 * to every cart, over every format and random changes: levels, stale files, orders and
 * cancels, alias lists and catalog flags, files that wait in the outbox or are lost from it,
 * codes with quotes, delimiters, markup and characters outside the BMP.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FOLD } from "../src/state/sql/line-changes.js";
import { sha256File } from "../src/util/fs.js";
import { random } from "./helpers/random.js";
import { Scenario, type CartSpec } from "./helpers/scenario.js";

const made: Scenario[] = [];
afterEach(() => {
  for (const s of made.splice(0)) s.cleanup();
});

// codes that sort differently in UTF-16 and UTF-8 (U+E000 against U+1F600), and values formats must quote or escape
const ODD = ['Q"1', "Q,2", "Q&<3>", "Q\uE000", "Q\u{1F600}", "Q;4", "Q*5", "Q~6"];
const SKUS = [...Array.from({ length: 40 }, (_, i) => `P${String(i).padStart(2, "0")}`), ...ODD];
/** the products that come to the warehouse later (N2...N10) */
const LATER = Array.from({ length: 9 }, (_, i) => `N${i + 2}`);
const csvCell = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Output mappings, one per format and shape; `key` the column a patch tells records apart by. */
const MAPPINGS: Record<string, string> = {
  csv: `kind: cart-inventory
format: csv
columns:
  - { header: sku, field: code }
  - { header: quantity, field: quantity }
`,
  "csv-bom": `kind: cart-inventory
format: csv
csv: { delimiter: ";", newline: "\\n", bom: true, quoteAll: true }
columns:
  - { header: qty, field: quantity }
  - { header: code, field: code }
  - { header: sku, field: sku }
  - { header: available, field: available }
  - { header: asof, field: asOf }
`,
  xml: `kind: cart-inventory
format: xml
xml: { root: Feed, record: Product, rootAttributes: { at: "{now}" } }
columns:
  - { header: "@sku", field: code }
  - { header: Quantity, field: quantity }
`,
  "xml-flat": `kind: cart-inventory
format: xml
xml: { root: Feed, record: Item, indent: false }
columns:
  - { header: Stock/Available, field: quantity }
  - { header: Stock/@unit, constant: EA }
  - { header: Id/Code, field: code }
`,
  json: `kind: cart-inventory
format: json
json: { root: inventory, numbers: [qty] }
columns:
  - { header: qty, field: quantity }
  - { header: item.code, field: code }
  - { header: item.asOf, field: asOf }
`,
  x12: `kind: cart-inventory
format: x12
x12:
  record: [LIN, QTY]
  quantityTotal: QTY02
columns:
  - { header: LIN02, constant: UP }
  - { header: LIN03, field: code }
  - { header: LIN04, constant: VN }
  - { header: LIN05, field: sku }
  - { header: QTY01, constant: "33" }
  - { header: QTY02, field: quantity }
  - { header: QTY03, constant: EA }
`,
};

const CARTS: Array<CartSpec & { format: string }> = [
  { id: "skus", format: "csv", orders: true, catalog: true },
  { id: "bom", format: "csv-bom", alias: "upc" },
  { id: "xml", format: "xml", minimumLevel: 2 },
  { id: "flat", format: "xml-flat", alias: "upc", buffer: 1 },
  { id: "json", format: "json", percent: 50 },
  { id: "x12", format: "x12", alias: "upc" },
];
const EXT: Record<string, string> = { csv: "csv", "csv-bom": "csv", xml: "xml", "xml-flat": "xml", json: "json" };

/** One of the two states: the same config, the cart's mappings written beside it. */
function scenario(): Scenario {
  const s = new Scenario({
    aliases: true,
    carts: CARTS.map(({ format, ...c }) => ({ ...c, filename: `{cart}-{seq}.${EXT[format] ?? "x12"}` })),
    patch: (config) => {
      const m = (config.merchants as Array<{ carts: Array<{ id: string; output: Record<string, unknown> }> }>)[0];
      for (const cart of m.carts) {
        const format = CARTS.find((c) => c.id === cart.id)!.format;
        cart.output.mapping = `mappings/${format}.yaml`;
        if (format === "x12")
          cart.output.x12 = {
            sender: { qualifier: "ZZ", id: "ACME" },
            receiver: { qualifier: "ZZ", id: "PARTNER" },
            charset: "utf8",
            maxRecordsPerTransaction: 7,
          };
      }
    },
  });
  for (const [name, text] of Object.entries(MAPPINGS)) s.write(`mappings/${name}.yaml`, text);
  made.push(s);
  return s;
}

/** The inputs of one step, the same for both states. */
function inputs(rnd: () => number, step: number): Array<(s: Scenario) => void> {
  const at = new Date(Date.parse("2026-11-20T00:00:00Z") + step * 3_600_000).toISOString();
  const out: Array<(s: Scenario) => void> = [];
  const changed = SKUS.filter(() => rnd() < (step === 1 ? 1 : 0.08));
  // now and then a stale file: levels older than those loaded (rule 14)
  const asOf = step > 2 && rnd() < 0.15 ? "2026-11-19T00:00:00Z" : at;
  // now and then a product new to the warehouse: the lists may know it already (with a code, disabled) or not
  const fresh = step > 1 && rnd() < 0.5 ? [`N${step}`] : [];
  const lines = [...changed, ...fresh].map((k) => `${csvCell(k)},${Math.floor(rnd() * 6)},,,${asOf}`);
  if (lines.length > 0) out.push((s) => s.inventory("east", `i${step}.csv`, lines));
  if (step === 1 || rnd() < 0.15) {
    const aliased = [...SKUS, ...LATER].filter(() => rnd() < 0.8).map((k) => `${csvCell(k)},upc,${csvCell(`U${k}`)}`);
    out.push((s) => s.aliases(`a${step}.csv`, aliased));
  }
  if (step === 1 || rnd() < 0.15) {
    const flags = [...SKUS, ...LATER]
      .filter(() => rnd() < 0.3)
      .map((k) => `${csvCell(k)},${rnd() < 0.5 ? "false" : "true"}`);
    out.push((s) => s.catalog("skus", `k${step}.csv`, flags));
  }
  const placed = new Date(Date.parse(at) + 1_800_000).toISOString();
  const orders = SKUS.filter(() => rnd() < 0.06).map((k, i) => {
    const cancel = step > 2 && rnd() < 0.3;
    const id = cancel ? `O${step - 1}-${i}` : `O${step}-${i}`;
    return `${id},1,${csvCell(k)},${1 + Math.floor(rnd() * 2)},${placed},${cancel ? "cancelled" : "open"}`;
  });
  if (orders.length > 0) out.push((s) => s.orders("skus", `o${step}.csv`, orders));
  return out;
}

/** when each state folds its sent lines' changes into cart_lines: never, at every file, or at the default share */
const FOLDS: Record<number, [number, number]> = { 1: [Infinity, 0], 2: [Infinity, 0], 3: [0, 0.1], 4: [0.1, Infinity] };

describe("a patched cart file is the file a full render gives", () => {
  const share = FOLD.share;
  afterEach(() => {
    FOLD.share = share;
  });
  for (const seed of [1, 2, 3, 4]) {
    const [foldA, foldB] = FOLDS[seed];
    it(`byte for byte, over every format, for random changes (seed ${seed}, folds ${foldA} and ${foldB})`, async () => {
      const rnd = random(seed);
      const patched = scenario();
      const rendered = scenario();
      const blocked = new Map<string, string>();
      let patches = 0;
      let files = 0;
      const patchedCarts = new Set<string>();
      let fromChanges = 0;
      for (let step = 1; step <= 10; step++) {
        for (const put of inputs(rnd, step)) for (const s of [patched, rendered]) put(s);
        // a file that waits (the destination name taken), then is delivered or lost from the outbox
        for (const cart of CARTS) {
          const blocker = blocked.get(cart.id);
          const lose = rnd() < 0.5;
          for (const s of [patched, rendered]) {
            if (blocker) {
              rmSync(s.path("out", cart.id, blocker));
              if (lose) rmSync(s.path("work/outbox/acme", cart.id, blocker), { force: true });
            }
          }
          if (blocker) blocked.delete(cart.id);
          else if (step > 1 && rnd() < 0.15) {
            const seq = patched.outputs(cart.id).length + 1;
            const name = `${cart.id}-${seq}.${EXT[cart.format] ?? "x12"}`;
            for (const s of [patched, rendered]) s.write(`out/${cart.id}/${name}`, "someone else's file\n");
            blocked.set(cart.id, name);
          }
        }
        const now = () => Date.parse("2026-11-20T00:00:00Z") + step * 3_600_000 + 2_400_000;
        FOLD.share = foldA;
        const a = await patched.run({ now });
        FOLD.share = foldB;
        const b = await rendered.run({ now, patch: false });
        expect(b.carts.filter((c) => c.patched)).toEqual([]);
        for (const cart of CARTS) {
          const names = patched.outputs(cart.id);
          expect(names, `${cart.id} after step ${step}`).toEqual(rendered.outputs(cart.id));
          for (const n of names) {
            const bytes = readFileSync(patched.path("out", cart.id, n), "utf8");
            expect(bytes, `${cart.id} ${n} after step ${step}`).toBe(
              readFileSync(rendered.path("out", cart.id, n), "utf8"),
            );
          }
        }
        const sent = a.carts.filter((c) => c.file && (c.action === "sent" || c.action === "failed"));
        files += sent.length;
        patches += sent.filter((c) => c.patched).length;
        for (const c of sent) if (c.patched) patchedCarts.add(c.cart);
        const said = (c: (typeof a.carts)[number]) => [c.cart, c.action, c.rows, c.units, c.skipped, c.skippedExamples];
        expect(a.carts.map(said)).toEqual(b.carts.map(said));
        fromChanges += sent.filter((c) => c.fromChanges).length;
        for (const cart of CARTS) expect(await patched.lastSent(cart.id)).toEqual(await rendered.lastSent(cart.id));
      }
      // most files after each cart's first were patched: the test compares patches, not two renders
      expect(patches).toBeGreaterThan(files / 3);
      expect([...patchedCarts].sort()).toEqual(CARTS.map((c) => c.id).sort());
      // and many of them computed from the changed lines alone (no list changed since the last file)
      expect(fromChanges).toBeGreaterThan(files / 6);
    });
  }
});

describe("a kept file that does not agree with what the state says was sent in it", () => {
  it("is not patched: the file is rendered whole, with every line computed again", async () => {
    const s = new Scenario();
    made.push(s);
    const now = () => Date.parse("2026-11-20T08:00:00Z");
    const T = "2026-11-20T06:00:00Z";
    s.inventory("east", "i1.csv", [`A,1,,,${T}`, `B,2,,,${T}`, `C,3,,,${T}`]);
    await s.run({ now });
    s.inventory("east", "i2.csv", [`B,5,,,2026-11-20T07:00:00Z`]);
    // someone edits the kept copy (a line dropped) and its recorded hash alike
    const kept = s.path("work/kept/acme/shop/1");
    writeFileSync(kept, readFileSync(kept, "utf8").replace("A,1\n", ""));
    await s.sqlRun("UPDATE cart_syncs SET sha256 = ? WHERE id = 1", [await sha256File(kept)]);
    const r = await s.run({ now });
    expect(r.carts[0]).toMatchObject({ action: "sent", rows: 3, units: 9 });
    expect(r.carts[0].patched).toBeUndefined();
    expect(s.latest("shop")).toEqual({ A: 1, B: 5, C: 3 });
  });
});
