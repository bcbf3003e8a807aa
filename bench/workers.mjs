#!/usr/bin/env node
// npm run bench:workers [-- --merchants M] [--skus N] [--workers 1,2,4]
// Throughput of `stockfeed worker` on a PostgreSQL state: M merchants (one warehouse of N SKUs,
// one cart each, polled and synced every second), taken by 1, 2 and 4 worker processes from an
// empty queue; the figure is merchants whose cart got its first file, per minute, from the
// workers' start to the last cart's file. On this machine (2 cores) PostgreSQL and the workers
// share the cores: more workers than cores shows the queue's overhead, not a speed-up.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startPostgres, stopPostgres } from "../scripts/postgres-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const M = Number(opt("--merchants", "30"));
const N = Number(opt("--skus", "2000"));
const counts = opt("--workers", "1,2,4").split(",").map(Number);
const cli = join(root, "dist/cli/main.js");

const server = await startPostgres();
process.on("exit", () => stopPostgres(server.dir));
const login = new URL(server.url);
login.password = server.password;

async function database(name) {
  const admin = new pg.Client({ connectionString: login.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server.url.replace(/\/postgres$/, `/${name}`);
}

/** M merchants' inputs and a config in a fresh folder */
function deployment(url) {
  const dir = mkdtempSync(join(tmpdir(), "stockfeed-workers-"));
  const merchants = [];
  for (let m = 0; m < M; m++) {
    const id = `m${m}`;
    const inbox = join(dir, "in", id);
    mkdirSync(inbox, { recursive: true });
    const lines = Array.from({ length: N }, (_, i) => `S${i},${(i * 7 + m) % 50},,,2026-11-20T06:00:00Z`);
    writeFileSync(join(inbox, "inv.csv"), ["sku,quantity_available,quantity_on_hand,lot,as_of", ...lines].join("\n"));
    merchants.push({
      id,
      warehouses: [
        {
          id: "w",
          inventory: {
            source: { transport: "local", dir: inbox, match: "*.csv" },
            mapping: join(root, "mappings/wms/generic-csv.yaml"),
            pollSeconds: 1,
          },
        },
      ],
      carts: [
        {
          id: "shop",
          warehouse: "all",
          schedule: "* * * * * *",
          output: {
            mapping: join(root, "mappings/carts/generic-csv.yaml"),
            destination: { transport: "local", dir: join(dir, "out", id) },
            filename: "{cart}-{seq:4}.csv",
          },
        },
      ],
    });
  }
  const config = join(dir, "stockfeed.yaml");
  writeFileSync(
    config,
    JSON.stringify({ state: url, statePasswordEnv: "BENCH_PG_PASSWORD", workDir: join(dir, "work"), merchants }),
  );
  return { dir, config };
}

const synced = (dir) =>
  Array.from({ length: M }, (_, m) => {
    try {
      return readdirSync(join(dir, "out", `m${m}`)).length > 0;
    } catch {
      return false;
    }
  }).filter(Boolean).length;

const results = [];
for (const k of counts) {
  const d = deployment(await database(`workers_${k}`));
  const env = { ...process.env, BENCH_PG_PASSWORD: server.password };
  const start = performance.now();
  const procs = Array.from({ length: k }, () =>
    spawn(process.execPath, [cli, "worker", "--config", d.config], { env, stdio: "ignore" }),
  );
  while (synced(d.dir) < M) await new Promise((r) => setTimeout(r, 100));
  const seconds = (performance.now() - start) / 1000;
  for (const p of procs) p.kill("SIGTERM");
  await Promise.all(procs.map((p) => new Promise((r) => p.on("exit", r))));
  rmSync(d.dir, { recursive: true, force: true });
  const perMinute = (M / seconds) * 60;
  results.push({ workers: k, seconds, perMinute });
  console.log(
    `${k} worker(s): ${M} merchants of ${N} SKUs synced in ${seconds.toFixed(1)} s: ${perMinute.toFixed(0)}/min`,
  );
}
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(
  join(root, "bench/results/workers.json"),
  JSON.stringify({ at: new Date().toISOString(), merchants: M, skus: N, results }, null, 2) + "\n",
);
