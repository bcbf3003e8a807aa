#!/usr/bin/env node
// npm run bench [-- --scenario B0|B1|B2] [--n N] [--keep] [--store sqlite|postgres]
// Generates a seeded scenario (W warehouses x N SKUs of WMS CSV with lot lines for 10% of
// SKUs, O order lines across 3 carts with half after the snapshot, aliases for half the
// SKUs, C carts by SKU and by alias, CSV, XML and X12 846, some with minimum level and
// allocation), runs the real
// CLI in a child process, and prints per stage times, rows/s, peak RSS and the floor:
// papaparse alone over the same inputs plus writing the same output bytes. --store postgres
// keeps the state in a throwaway PostgreSQL (scripts/postgres-server.mjs, fsync on) instead.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, freemem, totalmem, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Papa from "papaparse";
import pg from "pg";
import { CACHE_KB } from "../dist/state/sqlite/store.js";
import { startPostgres, stopPostgres } from "../scripts/postgres-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCENARIOS = {
  B0: { W: 3, N: 100_000, O: 20_000, C: 10 },
  B1: { W: 3, N: 1_000_000, O: 200_000, C: 10 },
  B2: { W: 3, N: 3_000_000, O: 600_000, C: 10 },
};
const args = process.argv.slice(2);
const name = args.includes("--scenario") ? args[args.indexOf("--scenario") + 1] : "B0";
const keep = args.includes("--keep");
const store = args.includes("--store") ? args[args.indexOf("--store") + 1] : "sqlite";
if (!["sqlite", "postgres"].includes(store)) throw new Error(`--store: sqlite or postgres, not ${store}`);
const base = SCENARIOS[name];
if (!base) throw new Error(`unknown scenario ${name} (${Object.keys(SCENARIOS).join(", ")})`);
// --n N scales a scenario down or up for a quick look (orders stay at N/5)
const sc = args.includes("--n")
  ? { ...base, N: Number(args[args.indexOf("--n") + 1]), O: Math.round(Number(args[args.indexOf("--n") + 1]) / 5) }
  : base;

let seed = 42;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

async function writeLines(path, header, gen) {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let buf = header + "\n";
  for (const line of gen()) {
    buf += line + "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  out.end(buf);
  await new Promise((r) => out.on("finish", r));
}

const dir = mkdtempSync(join(tmpdir(), `stockfeed-bench-${name}-`));
const asOf = "2026-11-20T11:00:00Z";
const sku = (i) => `SKU-${String(i).padStart(8, "0")}`;
const t0 = performance.now();
const inputs = [];
for (let w = 0; w < sc.W; w++) {
  const p = join(dir, "in", "wms", `w${w}`, "inventory.csv");
  inputs.push(p);
  await writeLines(p, "sku,quantity_available,quantity_on_hand,lot,as_of", function* () {
    for (let i = 0; i < sc.N; i++) {
      const q = Math.floor(rnd() * 60);
      if (i % 10 === 0) {
        yield `${sku(i)},${q},${q + 2},LOT-A,${asOf}`;
        yield `${sku(i)},3,3,LOT-B,${asOf}`;
      } else yield `${sku(i)},${q},${q},,${asOf}`;
    }
  });
}
const p = join(dir, "in", "aliases", "aliases.csv");
inputs.push(p);
await writeLines(p, "sku,alias_type,code", function* () {
  for (let i = 0; i < sc.N; i += 2) yield `${sku(i)},upc,${String(100000000000 + i)}`;
});
for (let c = 0; c < 3; c++) {
  const p = join(dir, "in", "orders", `c${c}`, "orders.csv");
  inputs.push(p);
  await writeLines(p, "order_id,line,sku,quantity,ordered_at,status", function* () {
    for (let o = 0; o < sc.O / 3; o++) {
      const after = o % 2 === 0;
      yield `C${c}-${o},1,${sku(Math.floor(rnd() * sc.N))},${1 + Math.floor(rnd() * 3)},${after ? "2026-11-20T12:00:00Z" : "2026-11-20T10:00:00Z"},${o % 17 === 0 ? "cancelled" : "open"}`;
    }
  });
}
const feed = (d, m) => ({ source: { transport: "local", dir: d, match: "*.csv" }, mapping: join(root, "mappings", m) });
const carts = Array.from({ length: sc.C }, (_, c) => ({
  id: `c${c}`,
  warehouse: c % 4 === 1 ? "w0" : "all",
  alias: c % 3 === 2 ? "upc" : null,
  minimumLevel: c % 2 ? 5 : 0,
  buffer: c % 5 === 4 ? 2 : 0,
  percent: c % 5 === 4 ? 80 : 100,
  ...(c < 3 ? { orders: feed(join(dir, "in", "orders", `c${c}`), "orders/generic-csv.yaml") } : {}),
  // a mix of outputs: XML for c3 and c7, an X12 846 (split at 10,000 LIN per set) for c6, CSV otherwise
  output:
    c === 3 || c === 7
      ? {
          mapping: join(root, "mappings/carts/xml-inventory.yaml"),
          destination: { transport: "local", dir: join(dir, "out", `c${c}`) },
          filename: "{cart}-{seq:4}.xml",
        }
      : c === 6
        ? {
            mapping: join(root, "mappings/carts/x12-846.yaml"),
            destination: { transport: "local", dir: join(dir, "out", `c${c}`) },
            filename: "{cart}-{seq:4}.x12",
            x12: { sender: { qualifier: "ZZ", id: "BENCH" }, receiver: { qualifier: "ZZ", id: `PARTNER${c}` } },
          }
        : {
            mapping: join(root, "mappings/carts/generic-csv.yaml"),
            destination: { transport: "local", dir: join(dir, "out", `c${c}`) },
            filename: "{cart}-{seq:4}.csv",
          },
}));
/** the state: a SQLite file in the folder, or a database of a PostgreSQL started for this run */
async function stateOf() {
  if (store === "sqlite") return { state: join(dir, "state.sqlite") };
  const server = await startPostgres();
  process.on("exit", () => stopPostgres(server.dir));
  const login = new URL(server.url);
  login.password = server.password;
  const admin = new pg.Client({ connectionString: login.toString() });
  await admin.connect();
  await admin.query("CREATE DATABASE bench");
  await admin.end();
  process.env.BENCH_PG_PASSWORD = server.password;
  return { state: server.url.replace(/\/postgres$/, "/bench"), statePasswordEnv: "BENCH_PG_PASSWORD" };
}
const config = {
  ...(await stateOf()),
  workDir: join(dir, "work"),
  merchants: [
    {
      id: "m",
      aliases: feed(join(dir, "in", "aliases"), "aliases/generic-csv.yaml"),
      warehouses: Array.from({ length: sc.W }, (_, w) => ({
        id: `w${w}`,
        inventory: feed(join(dir, "in", "wms", `w${w}`), "wms/generic-csv.yaml"),
      })),
      carts,
    },
  ],
};
writeFileSync(join(dir, "config.json.yaml"), JSON.stringify(config, null, 1));
const genS = (performance.now() - t0) / 1000;
const inputBytes = inputs.reduce((a, f) => a + statSync(f).size, 0);

function run() {
  const start = performance.now();
  // BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the runs
  const nodeOptions = (process.env.BENCH_NODE_OPTIONS ?? "").split(" ").filter(Boolean);
  const r = spawnSync(
    process.execPath,
    [...nodeOptions, join(root, "bench/child.mjs"), "run", "--config", join(dir, "config.json.yaml"), "--json"],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`stockfeed run exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const rss = JSON.parse(r.stderr.trim().split("\n").pop());
  return { seconds, report: JSON.parse(r.stdout), peakRssMb: rss.maxRssKb / 1024, peakHeapMb: rss.peakHeapMb };
}

/**
 * The floor's first half: papaparse alone over the same inputs (before the run takes them),
 * through its fastest path: synchronous parses of whole chunks cut at a line break (the
 * generated files have no quoted line breaks). Its Node duplex stream is much slower and
 * would flatter the ratio.
 */
async function floorParse(files = inputs) {
  const start = performance.now();
  let rows = 0;
  for (const f of files) {
    let carry = "";
    for await (const chunk of createReadStream(f, { encoding: "utf8", highWaterMark: 256 * 1024 })) {
      const text = carry + chunk;
      const cut = text.lastIndexOf("\n");
      carry = text.slice(cut + 1);
      rows += Papa.parse(text.slice(0, cut), { delimiter: ",", newline: "\n" }).data.length;
    }
    if (carry) rows += Papa.parse(carry, { delimiter: ",", newline: "\n" }).data.length;
  }
  return { seconds: (performance.now() - start) / 1000, rows };
}

/** the floor's second half: writing as many bytes in as many lines as the carts got */
async function floorWrite(outputRows, outputBytes) {
  const start = performance.now();
  const out = createWriteStream(join(dir, "floor.out"));
  const line = "x".repeat(Math.max(1, Math.round(outputBytes / Math.max(1, outputRows)) - 1)) + "\n";
  let buf = "";
  for (let i = 0; i < outputRows; i++) {
    buf += line;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  out.end(buf);
  await new Promise((r) => out.on("finish", r));
  return (performance.now() - start) / 1000;
}

const parseFloor = await floorParse();
const first = run();
const f = first.report.files;
const c = first.report.carts;
const loadS = f.reduce((a, x) => a + (x.loadMs ?? 0), 0) / 1000;
const syncS = c.reduce((a, x) => a + x.ms, 0) / 1000;
const inRows = f.reduce((a, x) => a + x.rowsRead, 0);
const outRows = c.reduce((a, x) => a + x.rows, 0);
const outBytes = readdirSync(join(dir, "out"))
  .flatMap((d) => readdirSync(join(dir, "out", d)).map((n) => statSync(join(dir, "out", d, n)).size))
  .reduce((a, b) => a + b, 0);
const fl = { seconds: parseFloor.seconds + (await floorWrite(outRows, outBytes)) };
const second = run();
// one warehouse changes 1% of its SKUs (a partial file): the carts drawing from it are re-sent
const changed = Math.max(1, Math.round(sc.N / 100));
/** A partial file of w0 changing `changed` random SKUs, as of 13:00 plus `minute`. */
async function delta(name, minute) {
  const path = join(dir, "in", "wms", "w0", name);
  const at = `2026-11-20T13:${String(minute).padStart(2, "0")}:00Z`;
  await writeLines(path, "sku,quantity_available,quantity_on_hand,lot,as_of", function* () {
    for (let k = 0; k < changed; k++) yield `${sku(Math.floor(rnd() * sc.N))},${Math.floor(rnd() * 60)},,,${at}`;
  });
  return path;
}
const deltaFile = await delta("inventory-delta.csv", 0);
// the steady state's floor: parse the changed file, write the bytes the carts get again
const deltaParse = await floorParse([deltaFile]);
const third = run();
const thirdSent = third.report.carts.filter((x) => x.action === "sent");
const thirdBytes = thirdSent.reduce((a, x) => a + statSync(join(dir, "out", x.cart, x.file)).size, 0);
const thirdRows = thirdSent.reduce((a, x) => a + x.rows, 0);
const steadyFloorS = deltaParse.seconds + (await floorWrite(thirdRows, thirdBytes));
const thirdLoadS = third.report.files.reduce((a, x) => a + (x.loadMs ?? 0), 0) / 1000;
// more runs like it: the changes of the sent lines are folded into cart_lines every few of them (a slower run)
const STEADY_MORE = 5;
const more = [];
for (let k = 1; k <= STEADY_MORE; k++) {
  await delta(`inventory-delta-${k}.csv`, k);
  more.push(run().seconds);
}
const steady = [third.seconds, ...more].sort((a, b) => a - b);
const steadyMeanS = steady.reduce((a, b) => a + b, 0) / steady.length;
/** what a run wrote to the state: levels loaded (and zeroed), and cart lines recorded as changed */
const written = (r) => ({
  levels: r.report.files.reduce((a, x) => a + (x.rowsLoaded ?? 0) + (x.rowsZeroed ?? 0), 0),
  lines: r.report.carts.reduce((a, x) => a + (x.linesChanged ?? 0), 0),
});

/** A read command over the state at this scale, its output thrown away: seconds and exit code. */
function readTool(...cmd) {
  const start = performance.now();
  const sink = openSync("/dev/null", "w");
  const r = spawnSync(
    process.execPath,
    [join(root, "dist/cli/main.js"), ...cmd, "--config", join(dir, "config.json.yaml")],
    { stdio: ["ignore", sink, "pipe"] },
  );
  closeSync(sink);
  if (r.status !== 0 && !(cmd[0] === "sku" && r.status === 1))
    throw new Error(`stockfeed ${cmd.join(" ")} exited ${r.status}: ${r.stderr}`);
  return (performance.now() - start) / 1000;
}
const reads = {
  viewSyncS: readTool("view-sync", "--cart", "c0"),
  viewSyncAliasProblemsS: readTool("view-sync", "--cart", "c2", "--problems"),
  viewSyncPageS: readTool("view-sync", "--cart", "c0", "--limit", "100", "--after", sku(Math.floor(sc.N / 2))),
  locationsS: readTool("locations", "--warehouse", "w0", "--json"),
  summaryS: readTool("locations"),
  skuS: readTool("sku", sku(7)),
};

const fmt = (x) => x.toFixed(2);
console.log(
  `scenario ${name} on ${store}: W=${sc.W} N=${sc.N} O=${sc.O} C=${sc.C}  ` +
    `(generated ${fmt(genS)} s, ${(inputBytes / 1e6).toFixed(1)} MB of input)`,
);
const stage = (k) => c.reduce((a, x) => a + (x.stages?.[k] ?? 0), 0) / 1000;
const collectS = first.seconds - loadS - syncS;
console.log(
  `  collect             ${fmt(collectS)} s  (listing, spooling, hashing, archiving; and starting the process)`,
);
console.log(
  `  parse+load          ${fmt(loadS)} s  ${Math.round(inRows / loadS)} input rows/s  (${inRows} rows, ${f.length} files)`,
);
console.log(`  reconcile           ${fmt(stage("computeMs"))} s  (levels after orders, alias lines, totals: SQL)`);
console.log(
  `  render+deliver      ${fmt(stage("renderMs") + stage("deliverMs"))} s  ${Math.round(outRows / (stage("renderMs") + stage("deliverMs")))} output rows/s  (${outRows} rows, ${(outBytes / 1e6).toFixed(1)} MB, ${c.length} carts; recording sent lines included)`,
);
for (const x of c) console.log(`    cart ${x.cart}: ${x.rows} rows in ${fmt(x.ms / 1000)} s`);
const caches =
  store === "sqlite"
    ? `SQLite's page caches are capped at 2 x ${CACHE_KB / 1024} MB`
    : "PostgreSQL's own memory not counted";
console.log(
  `  total (process)     ${fmt(first.seconds)} s   peak RSS ${first.peakRssMb.toFixed(0)} MB (V8 heap at most ${first.peakHeapMb} MB; ${caches})`,
);
console.log(
  `  floor (papaparse only + same output bytes) ${fmt(fl.seconds)} s   ratio ${fmt(first.seconds / fl.seconds)}`,
);
console.log(
  `  second run, no news ${fmt(second.seconds)} s   (${second.report.carts.filter((x) => x.action === "sent").length} carts re-sent)`,
);
console.log(
  `  third run, w0 changed ${changed} SKUs: ${fmt(third.seconds)} s, parse+load ${fmt(thirdLoadS)} s (${fmt((100 * thirdLoadS) / loadS)}% of the full load), ${third.report.carts.filter((x) => x.action === "sent").length} carts re-sent`,
);
console.log(
  `  steady-state floor (papaparse of the changed file + the same ${thirdRows} rows, ` +
    `${(thirdBytes / 1e6).toFixed(1)} MB) ` +
    `${fmt(steadyFloorS)} s   ratio ${fmt(third.seconds / steadyFloorS)}; ` +
    `${thirdSent.filter((x) => x.patched).length} of ${thirdSent.length} files patched from the last one, ` +
    `${thirdSent.filter((x) => x.fromChanges).length} computed from the changed lines only`,
);
console.log(
  `  ${steady.length} such runs in a row: median ${fmt(steady[Math.floor(steady.length / 2)])} s, ` +
    `slowest ${fmt(steady[steady.length - 1])} s (folding the sent lines' changes), mean ${fmt(steadyMeanS)} s, ` +
    `mean ratio ${fmt(steadyMeanS / steadyFloorS)}`,
);
console.log(
  `  rows written to the state: full run ${written(first).levels} levels, ${written(first).lines} cart lines; ` +
    `third run ${written(third).levels} levels, ${written(third).lines} cart lines (of ${outRows} lines sent)`,
);
console.log(
  `  read tools: view-sync ${fmt(reads.viewSyncS)} s (every code of a cart), --problems of an alias cart ${fmt(reads.viewSyncAliasProblemsS)} s, ` +
    `a page of 100 ${fmt(reads.viewSyncPageS)} s; locations of w0 ${fmt(reads.locationsS)} s, summary ${fmt(reads.summaryS)} s; sku ${fmt(reads.skuS)} s`,
);
const result = {
  scenario: name,
  store,
  ...sc,
  totalS: first.seconds,
  collectS,
  loadS,
  syncS,
  reconcileS: stage("computeMs"),
  renderS: stage("renderMs"),
  deliverS: stage("deliverMs"),
  floorS: fl.seconds,
  ratio: first.seconds / fl.seconds,
  peakRssMb: first.peakRssMb,
  peakHeapMb: first.peakHeapMb,
  noNewsS: second.seconds,
  onePercentS: third.seconds,
  onePercentLoadS: thirdLoadS,
  steadyFloorS,
  steadyRatio: third.seconds / steadyFloorS,
  steadyRunsS: steady,
  steadyMeanRatio: steadyMeanS / steadyFloorS,
  patchedFiles: thirdSent.filter((x) => x.patched).length,
  fullWritten: written(first),
  onePercentWritten: written(third),
  inRows,
  outRows,
  outBytes,
  ...reads,
};
const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memGb: Math.round(totalmem() / 2 ** 30),
  freeGb: Math.round(freemem() / 2 ** 30),
  node: process.version,
  platform: process.platform,
};
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(
  join(root, "bench/results", store === "sqlite" ? `${name}.json` : `${name}-${store}.json`),
  JSON.stringify({ at: new Date().toISOString(), machine, result }, null, 2) + "\n",
);
console.log(
  `${name} total_s=${fmt(first.seconds)} floor_s=${fmt(fl.seconds)} ratio=${fmt(first.seconds / fl.seconds)} peak_rss_mb=${first.peakRssMb.toFixed(0)}`,
);
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
