/**
 * Golden files: the demo config over the real samples, with a fixed clock. The expected
 * cart files and run report live in test/golden/demo/ where an operator can read them.
 * UPDATE_GOLDEN=1 npm test regenerates them; review the diff.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, relative } from "node:path";
import { X12Parser } from "node-x12";
import { goldenFile } from "../helpers/golden.js";
import { afterAll, describe, it } from "vitest";
import { formatRunReport } from "../../src/cli/run.js";
import { loadConfig } from "../../src/config/load.js";
import { runOnce } from "../../src/pipeline.js";
import { ROOT } from "../helpers/scenario.js";

const GOLDEN = join(ROOT, "test/golden/demo");
const dir = mkdtempSync(join(tmpdir(), "stockfeed-golden-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]));
}

const golden = (name: string, actual: string) => goldenFile(GOLDEN, name, actual);

describe("golden: the demo over samples/", () => {
  it("gives every cart exactly the expected file, and reports the run as expected", async () => {
    cpSync(join(ROOT, "config"), join(dir, "config"), { recursive: true });
    cpSync(join(ROOT, "mappings"), join(dir, "mappings"), { recursive: true });
    const inbox = join(dir, "var/demo/inbox");
    for (const part of ["wms", "orders", "catalog", "aliases"]) cpSync(join(ROOT, "samples", part), join(inbox, part), { recursive: true });
    const base = Date.parse("2026-11-21T00:00:00Z") / 1000;
    files(inbox)
      .sort()
      .forEach((f, i) => utimesSync(f, base + i, base + i));

    const now = Date.parse("2026-11-23T08:00:00Z");
    const report = await runOnce(loadConfig(join(dir, "config/demo.yaml")), { now: () => now });
    golden("run.txt", formatRunReport(report).replaceAll(dir, "<demo>") + "\n");

    const out = join(dir, "var/demo/out");
    const delivered = files(out).map((f) => relative(out, f)).sort();
    golden("delivered.txt", delivered.join("\n") + "\n");
    for (const f of delivered) golden(`out/${f.split("/")[0]}${extname(f)}`, readFileSync(join(out, f), "utf8"));
    // the 846 and the 997 the demo writes, read by node-x12 strict (a parser that is not ours)
    for (const f of delivered.filter((d) => d.endsWith(".x12"))) new X12Parser(true).parse(readFileSync(join(out, f), "latin1"));
  });
});
