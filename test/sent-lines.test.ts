/**
 * What a cart was last sent of each code (View Product Sync), now that a file records only the
 * lines that changed: for random runs (levels changed, aliases dropped and back, files that
 * wait in the outbox and files lost from it), every code's last sent line is the one of the
 * newest delivered file that carried it, as read from the delivered files themselves.
 */
import { readFileSync, rmSync } from "node:fs";
import Papa from "papaparse";
import { afterEach, describe, expect, it } from "vitest";
import { FOLD } from "../src/state/sql/line-changes.js";
import { random } from "./helpers/random.js";
import { Scenario } from "./helpers/scenario.js";

let s: Scenario | undefined;
afterEach(() => s?.cleanup());

const SKUS = Array.from({ length: 30 }, (_, i) => `P${i}`);
const CARTS = ["skus", "upc"];

type Sent = Map<string, { quantity: number; file: string }>;

/** The model: every delivered file, read back, in delivery order. */
function deliveredInto(model: Sent, s: Scenario, cart: string, file: string): void {
  const text = readFileSync(s.path("out", cart, file), "utf8");
  const rows = Papa.parse<string[]>(text.trim(), { delimiter: "," }).data.slice(1);
  for (const [code, q] of rows) model.set(code, { quantity: Number(q), file });
}

describe("last sent lines, recorded as changes", () => {
  const share = FOLD.share;
  afterEach(() => {
    FOLD.share = share;
  });
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    // the changes folded into cart_lines at every file, never, or at the default share
    const fold = [0, Infinity, share][seed % 3];
    it(`are those of the newest delivered file that carried each code (seed ${seed}, fold ${fold})`, async () => {
      FOLD.share = fold;
      const rnd = random(seed);
      s = new Scenario({
        aliases: true,
        carts: CARTS.map((id) => ({
          id,
          alias: id === "upc" ? "upc" : null,
          orders: id === "skus",
          filename: "{cart}-{seq}.csv",
        })),
      });
      const sc = s;
      const model = new Map(CARTS.map((c) => [c, new Map() as Sent]));
      const lastSeq = new Map(CARTS.map((c) => [c, 0]));
      const blocked = new Map<string, string>();
      for (let step = 1; step <= 12; step++) {
        const at = new Date(Date.parse("2026-11-20T00:00:00Z") + step * 3_600_000).toISOString();
        const lines = SKUS.filter(() => rnd() < 0.1).map((k) => `${k},${Math.floor(rnd() * 4)},,,${at}`);
        if (lines.length > 0) sc.inventory("east", `i${step}.csv`, lines);
        if (step === 1 || rnd() < 0.3) {
          const aliased = SKUS.filter(() => rnd() < 0.9).map((k) => `${k},upc,U${k}`);
          sc.aliases(`a${step}.csv`, [...aliased, `Z${step},upc,UZ${step}`]);
        }
        // orders after the levels' as-of (rule 5), by SKU or by alias code, and cancels of earlier ones
        const placed = new Date(Date.parse(at) + 1_800_000).toISOString();
        const orders = SKUS.filter(() => rnd() < 0.08).map((k, i) => {
          const cancel = step > 2 && rnd() < 0.3;
          const id = cancel ? `O${step - 1}-${i}` : `O${step}-${i}`;
          const code = rnd() < 0.5 ? k : `U${k}`;
          return `${id},1,${code},${1 + Math.floor(rnd() * 2)},${placed},${cancel ? "cancelled" : "open"}`;
        });
        if (orders.length > 0) sc.orders("skus", `o${step}.csv`, orders);
        for (const cart of CARTS) {
          const blocker = blocked.get(cart);
          if (blocker) {
            // the waiting file is delivered, or lost from the outbox
            rmSync(sc.path("out", cart, blocker));
            if (rnd() < 0.6) rmSync(sc.path("work/outbox/acme", cart, blocker), { force: true });
            blocked.delete(cart);
          } else if (rnd() < 0.4) {
            const name = `${cart}-${lastSeq.get(cart)! + 1}.csv`;
            sc.write(`out/${cart}/${name}`, "someone else's file\n");
            blocked.set(cart, name);
          }
        }
        const report = await sc.run();
        for (const r of report.carts) {
          for (const f of r.delivered) deliveredInto(model.get(r.cart)!, sc, r.cart, f);
          if (r.action === "sent") deliveredInto(model.get(r.cart)!, sc, r.cart, r.file!);
          const seq = /-(\d+)\.csv$/.exec(r.file ?? "");
          if (seq) lastSeq.set(r.cart, Math.max(lastSeq.get(r.cart)!, Number(seq[1])));
        }
        for (const cart of CARTS) {
          const expected = [...model.get(cart)!].sort(([a], [b]) => (a < b ? -1 : 1));
          const actual = (await sc.lastSent(cart)).map((r) => [r.code, { quantity: r.quantity, file: r.file }]);
          expect(actual, `${cart} after step ${step}`).toEqual(expected);
        }
      }
    });
  }
});
