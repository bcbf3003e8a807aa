import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./scenario.js";

export const CLI = join(ROOT, "dist/cli/main.js");

/** Runs the built CLI in a child process, as an operator would. */
export function stockfeed(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
