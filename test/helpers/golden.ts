import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { ROOT } from "./scenario.js";

/**
 * Compares `actual` with the golden file `name` under `dir`; UPDATE_GOLDEN=1 npm test
 * rewrites the golden files instead (review the diff).
 */
export function goldenFile(dir: string, name: string, actual: string): void {
  const p = join(dir, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, actual);
  }
  expect(actual, `golden file ${relative(ROOT, p)} (UPDATE_GOLDEN=1 regenerates)`).toBe(readFileSync(p, "utf8"));
}
