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
for (const part of ["wms", "orders", "catalog", "aliases"]) cpSync(join(root, "samples", part), join(inbox, part), { recursive: true });

// files are taken oldest first: give the copies the order of their names
function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* files(join(dir, e.name));
    else yield join(dir, e.name);
  }
}
const base = Date.now() / 1000 - 600;
[...files(inbox)].sort().forEach((f, i) => utimesSync(f, base + i, base + i));

function stockfeed(...args) {
  console.log(`\n$ stockfeed ${args.join(" ").replaceAll(root + "/", "")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  return r.status;
}

const code = stockfeed("run", "--config", config);
for (const cart of ["webshop", "market", "outlet", "retailer", "retailer-997"]) {
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
stockfeed("status", "--config", config);
stockfeed("view-sync", "--config", config, "--cart", "webshop");
stockfeed("explain", "--config", config, "--cart", "outlet", "--sku", "TSHIRT-RED-M");
stockfeed("explain", "--config", config, "--cart", "market", "--sku", "0098765432109");
console.log("\nA second run: no warehouse has delivered anything new, so no CSV cart gets a file (rule 4); the EDI retailer gets its full-snapshot 846 on every run, with the next control number.");
stockfeed("run", "--config", config);

if (code === 1) console.log("\nThe first run exited 1 on purpose: the samples hold lines that must be rejected (12.5, abc). Their reports are beside the archived files under var/demo/work/archive/.");
console.log(`\nEverything the demo made is under ${relative(process.cwd(), demo) || "."}/ (inbox, work/archive, out, stockfeed.sqlite).`);
process.exit(code === 0 || code === 1 ? 0 : code ?? 1);
