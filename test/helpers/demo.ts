import { cpSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./scenario.js";

/**
 * The demo in a fresh folder: samples copied with fixed modification times (in name order),
 * the config pointing at them, its state a SQLite file there. The caller removes `dir`.
 */
export function demoCopy(prefix = "stockfeed-demo-"): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const part of ["wms", "orders", "catalog", "aliases"])
    cpSync(join(ROOT, "samples", part), join(dir, "inbox", part), { recursive: true });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name));
  };
  walk(join(dir, "inbox"));
  const base = Date.parse("2026-11-23T11:00:00Z") / 1000;
  files.sort().forEach((f, i) => utimesSync(f, base + i, base + i));
  const config = join(dir, "stockfeed.yaml");
  writeFileSync(
    config,
    readFileSync(join(ROOT, "config/demo.yaml"), "utf8")
      .replaceAll("../var/demo/", `${dir}/`)
      .replaceAll("../mappings/", `${ROOT}/mappings/`),
  );
  return { dir, config };
}
