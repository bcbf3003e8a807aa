/**
 * Crash safety by fault injection: `stockfeed run` on the demo (two warehouses, aliases, a
 * catalog, CSV orders, X12 850s with 997s back, four CSV carts and an X12 846 cart, and a
 * Shopify catalog whose product sync sends product files to the east WMS) is
 * killed with SIGKILL at a point of the run (STOCKFEED_FAULT, the n-th time it passes it),
 * then one plain run follows; the end state must be exactly what one clean run gives:
 * every table of the state (but the run log), every file delivered, archived, acknowledged.
 * CI runs a spread of at least 50 kill points; `npm run test:chaos` runs every pass of
 * every point.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { demoCopy } from "./helpers/demo.js";
import { ROOT } from "./helpers/scenario.js";

const CLI = join(ROOT, "dist/cli/main.js");
const NOW = "2026-11-23T12:00:00Z";
const chaos = !!process.env.STOCKFEED_CHAOS;
const made: string[] = [];

/** the demo in a fresh folder (test/helpers/demo.ts), removed after the suite */
function freshDemo(): { dir: string; config: string } {
  const d = demoCopy("stockfeed-crash-");
  made.push(d.dir);
  return d;
}

function run(config: string, env: Record<string, string> = {}, now = NOW) {
  return spawnSync(process.execPath, [CLI, "run", "--config", config, "--now", now], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

/**
 * Everything a run leaves: every state table but the run log (ids of runs aside), and every file under the folder but
 * the config and state.
 */
function endState(dir: string) {
  const db = new Database(join(dir, "stockfeed.sqlite"), { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('runs', 'source_listing') ORDER BY name",
        )
        .all() as Array<{ name: string }>
    ).map((t) => t.name);
    const state: Record<string, unknown[]> = {};
    for (const t of tables) {
      const rows = db.prepare(`SELECT * FROM "${t}"`).all() as Array<Record<string, unknown>>;
      state[t] = rows
        .map(({ run_id: _r, ...rest }) => rest)
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    }
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (!/stockfeed\.(yaml|sqlite)/.test(e.name)) files[relative(dir, p)] = readFileSync(p).toString("base64");
      }
    };
    walk(dir);
    // paths name the folder: compare them relative to it; a product file's outbox name is unique per render
    const text = JSON.stringify(state)
      .replaceAll(dir, "<dir>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-/g, "<unique>-");
    return { state: JSON.parse(text) as typeof state, files };
  } finally {
    db.close();
  }
}

/** The reference: one clean run, with every fault point it passes traced. */
function reference() {
  const { dir, config } = freshDemo();
  const trace = join(dir, "..", `${dir.split("/").pop()}.trace`);
  made.push(trace);
  const r = run(config, { STOCKFEED_FAULT_TRACE: trace });
  if (r.status !== 1)
    throw new Error(`the demo's clean run should exit 1 (its samples have rejects): ${r.status} ${r.stderr}`);
  const passes = new Map<string, number>();
  for (const name of readFileSync(trace, "utf8").split("\n").filter(Boolean))
    passes.set(name, (passes.get(name) ?? 0) + 1);
  return { end: endState(dir), passes };
}

const ref = reference();

/**
 * Which pass of each point to kill at: all of them under test:chaos; otherwise the first four and a spread of the rest.
 */
function plan(): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [name, count] of [...ref.passes].sort()) {
    const picks = chaos
      ? [...Array(count).keys()]
      : [...new Set([0, 1, 2, 3, Math.floor(count / 2), count - 1])].filter((k) => k < count);
    for (const k of picks) out.push([name, k]);
  }
  return out;
}
const points = plan();

afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe("crash safety: killed anywhere, one more run ends exactly as one clean run", () => {
  it(`plans at least 50 kill points over the run's ${ref.passes.size} fault points`, () => {
    expect(ref.passes.size).toBeGreaterThanOrEqual(12);
    expect(points.length).toBeGreaterThanOrEqual(50);
  });

  it.each(points)(
    "killed at %s (pass %i), then one run: same state, same files, nothing twice, no control number skipped",
    (name, pass) => {
      const { dir, config } = freshDemo();
      const crashed = run(config, { STOCKFEED_FAULT: name, STOCKFEED_FAULT_SKIP: String(pass) });
      expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
      const after = run(config);
      expect(after.status, after.stderr).toBeLessThanOrEqual(1);
      const end = endState(dir);
      expect(end.state).toEqual(ref.end.state);
      expect(Object.keys(end.files).sort()).toEqual(Object.keys(ref.end.files).sort());
      expect(end.files).toEqual(ref.end.files);
      // the lock of the killed run was taken over and released
      expect(existsSync(join(dir, "stockfeed.sqlite.lock"))).toBe(false);
    },
  );
});

/** The demo after one clean run, and a new east file changing a few levels: the next run patches the carts' files. */
function demoWithChange(): { dir: string; config: string } {
  const demo = freshDemo();
  const first = run(demo.config);
  if (first.status !== 1) throw new Error(`the demo's first run should exit 1: ${first.status} ${first.stderr}`);
  const file = join(demo.dir, "inbox", "wms", "east", "east-inventory-20261121.csv");
  writeFileSync(
    file,
    "sku,quantity_available,quantity_on_hand,lot,as_of\nTSHIRT-RED-M,3,3,L2411-A,2026-11-21T06:00:00Z\n" +
      "MUG-WHITE,0,0,,2026-11-21T06:00:00Z\nNEW-ITEM,5,5,,2026-11-21T06:00:00Z\n",
  );
  const t = Date.parse("2026-11-23T11:30:00Z") / 1000;
  utimesSync(file, t, t);
  return demo;
}

/** the second run's clock: an hour after the first (names with a timestamp differ) */
const LATER = "2026-11-23T13:00:00Z";

const patchRef = (() => {
  const { dir, config } = demoWithChange();
  const trace = join(dir, "..", `${dir.split("/").pop()}.patch-trace`);
  made.push(trace);
  const r = run(config, { STOCKFEED_FAULT_TRACE: trace }, LATER);
  if (r.status !== 0 && r.status !== 1) throw new Error(`the second run failed: ${r.status} ${r.stderr}`);
  const points = readFileSync(trace, "utf8").split("\n");
  const passes = points.filter((n) => n === "sync:mid-patch").length;
  const folds = points.filter((n) => n === "sync:mid-fold").length;
  return { end: endState(dir), passes, folds };
})();

describe("crash safety of a patched file: killed mid-patch, the previous file and the state are as they were", () => {
  it("the demo's second run patches its carts' files", () => {
    expect(patchRef.passes).toBeGreaterThanOrEqual(10);
  });

  it("and folds the sent lines' changes of some carts into cart_lines", () => {
    expect(patchRef.folds).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ...[0, 1, Math.floor(patchRef.passes / 2), patchRef.passes - 1].map((pass) => ["sync:mid-patch", pass] as const),
    ...[0, patchRef.folds - 1].map((pass) => ["sync:mid-fold", pass] as const),
  ])("killed at %s (pass %i), then one run: same state, same files", (point, pass) => {
    const { dir, config } = demoWithChange();
    const delivered = () => Object.entries(endState(dir).files).filter(([name]) => /^(out|work\/kept)\//.test(name));
    const before = delivered();
    const crashed = run(config, { STOCKFEED_FAULT: point, STOCKFEED_FAULT_SKIP: String(pass) }, LATER);
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    // nothing half made was delivered or kept: each file is as it was, or as the clean run leaves it
    const was = new Map(before);
    for (const [name, bytes] of delivered())
      expect(bytes === was.get(name) || bytes === patchRef.end.files[name], name).toBe(true);
    const after = run(config, {}, LATER);
    expect(after.status, after.stderr).toBeLessThanOrEqual(1);
    const end = endState(dir);
    expect(end.state).toEqual(patchRef.end.state);
    expect(end.files).toEqual(patchRef.end.files);
  });
});
