/**
 * Vitest's global setup: one throwaway PostgreSQL for the run (scripts/postgres-server.mjs),
 * or the one STOCKFEED_PG_URL names (with STOCKFEED_PG_PASSWORD). Where none is installed,
 * the suites on PostgreSQL say they were skipped; STOCKFEED_POSTGRES=required (CI) makes
 * that a failure instead.
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** the test server: its URL (of the database postgres), password and bin folder (psql) */
    postgres: { url: string; password: string; bin: string | null } | null;
  }
}

const script = "scripts/postgres-server.mjs";

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.STOCKFEED_PG_URL;
  if (given) {
    project.provide("postgres", {
      url: given,
      password: process.env.STOCKFEED_PG_PASSWORD ?? "",
      bin: process.env.STOCKFEED_PG_BIN ?? null,
    });
    return undefined;
  }
  const started = spawnSync(process.execPath, [script, "start", "--fast", "--json"], { encoding: "utf8" });
  if (started.status === 2) {
    if (process.env.STOCKFEED_POSTGRES === "required") {
      throw new Error(`PostgreSQL is required here (STOCKFEED_POSTGRES=required): ${started.stderr.trim()}`);
    }
    console.warn(`SKIPPED: the PostgreSQL store suites (${started.stderr.trim()}; install Debian's postgresql)`);
    project.provide("postgres", null);
    return undefined;
  }
  if (started.status !== 0) throw new Error(`could not start a test PostgreSQL: ${started.stderr}`);
  const server = JSON.parse(started.stdout) as { url: string; password: string; dir: string; bin: string };
  project.provide("postgres", { url: server.url, password: server.password, bin: server.bin });
  return () => {
    spawnSync(process.execPath, [script, "stop", server.dir], { stdio: "ignore" });
  };
}
