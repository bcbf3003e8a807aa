import { defineConfig } from "vitest/config";
import { findPostgres } from "./scripts/postgres-server.mjs";

/**
 * Two projects: every suite on SQLite, and the run-level suites again with their state on
 * PostgreSQL (one suite, parameterised by STOCKFEED_TEST_STORE: not a copy). The second is
 * left out, and said so, where no PostgreSQL is installed; STOCKFEED_POSTGRES=required (CI)
 * makes that a failure.
 */
const ON_BOTH_STORES = [
  "test/scenario-store.test.ts",
  "test/rules.test.ts",
  "test/lifecycle.test.ts",
  "test/explain.test.ts",
  "test/products.test.ts",
  "test/sent-lines.test.ts",
  "test/patch.test.ts",
];

const postgres = !!process.env.STOCKFEED_PG_URL || !!findPostgres();
if (!postgres && process.env.STOCKFEED_POSTGRES === "required")
  throw new Error("PostgreSQL is required here (STOCKFEED_POSTGRES=required) and none is installed");
if (!postgres) console.warn("SKIPPED: the run-level suites on PostgreSQL (no PostgreSQL installed)");

const shared = {
  // the interop suite needs Debian servers started by .ci/interop-servers: npm run test:interop
  exclude: ["test/interop/**", "node_modules/**"],
  // a throwaway PostgreSQL for the store suites (skipped, and said so, without one)
  globalSetup: ["test/helpers/postgres-setup.ts"],
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // integration tests spawn the CLI and use real files: keep runs predictable on 2 cores
  pool: "forks" as const,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: "sqlite", include: ["test/**/*.test.ts"] } },
      ...(postgres
        ? [
            {
              test: {
                ...shared,
                name: "postgres",
                include: ON_BOTH_STORES,
                env: { STOCKFEED_TEST_STORE: "postgres" },
                // a statement is a round trip here: the suites that read every code's explain take longer
                testTimeout: 180_000,
              },
            },
          ]
        : []),
    ],
  },
});
