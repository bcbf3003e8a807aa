#!/usr/bin/env node
// The built-in demo: fresh var/demo/, samples copied into its inbox, one `stockfeed run`,
// then what each cart got and the status page. Safe to run again: it starts over each time.
import { cpSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const demo = join(root, "var", "demo");
const inbox = join(demo, "inbox");
const cli = join(root, "dist", "cli", "main.js");
const config = join(root, "config", "demo.yaml");

rmSync(demo, { recursive: true, force: true });
for (const part of ["wms", "orders", "catalog", "aliases"])
  cpSync(join(root, "samples", part), join(inbox, part), { recursive: true });

// files are taken oldest first: give the copies the order of their names
function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* files(join(dir, e.name));
    else yield join(dir, e.name);
  }
}
// the demo's own clock: a little after the samples' as-of times (2026-11-20), so the data it
// shows is fresh as a healthy hourly run's would be, whatever today's date
const NOW = Date.parse("2026-11-21T09:00:00Z");
const at = (ms) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
const base = NOW / 1000 - 600;
[...files(inbox)].sort().forEach((f, i) => utimesSync(f, base + i, base + i));

const MEANING = {
  0: "all went well",
  1: "something was rejected or failed, and the rest was done",
  2: "bad configuration or usage: nothing moved",
  3: "an internal error (a bug)",
};

/** One step: the command, its output, then its exit code and why. */
function stockfeed(args, why) {
  console.log(`\n$ stockfeed ${args.join(" ").replaceAll(root + "/", "")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  const code = r.status ?? 3;
  console.log(`\n[exit ${code}: ${MEANING[code] ?? "unknown"}${why?.[code] ? `; ${why[code]}` : ""}]`);
  worst = Math.max(worst, code === 1 ? 0 : code);
  return code;
}
let worst = 0;

const code = stockfeed(["run", "--config", config, "--now", at(NOW)], {
  1: "on purpose: the samples hold lines that must be rejected (12.5, abc); their reports are beside the archived files",
});
for (const cart of ["webshop", "market", "outlet", "shopify", "retailer", "retailer-997", "wms-east-products"]) {
  const dir = join(demo, "out", cart);
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith("."));
  } catch {}
  for (const n of names) {
    console.log(`\n--- ${relative(root, join(dir, n))} (${statSync(join(dir, n)).size} bytes) ---`);
    process.stdout.write(readFileSync(join(dir, n), "utf8"));
  }
}
stockfeed(["status", "--config", config, "--now", at(NOW)]);
stockfeed(["view-sync", "--config", config, "--cart", "webshop", "--now", at(NOW)]);
stockfeed(["explain", "--config", config, "--cart", "outlet", "--sku", "TSHIRT-RED-M", "--now", at(NOW)]);
stockfeed(["explain", "--config", config, "--cart", "market", "--sku", "0098765432109", "--now", at(NOW)]);
console.log(
  "\nA second run, an hour later: no warehouse has delivered anything new, so no CSV cart gets a file (rule 4); the EDI retailer gets its full-snapshot 846 on every run, with the next control number.",
);
stockfeed(["run", "--config", config, "--now", at(NOW + 3_600_000)]);

console.log(`\nThe demo ran at its own clock, ${at(NOW)}: the samples' data is a day old there, not weeks.`);
console.log(
  `Everything the demo made is under ${relative(process.cwd(), demo) || "."}/ (inbox, work/archive, out, stockfeed.sqlite).`,
);
process.exit(code === 0 || code === 1 ? worst : code);
