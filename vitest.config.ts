import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // the interop suite needs Debian servers started by .ci/interop-servers: npm run test:interop
    exclude: ["test/interop/**", "node_modules/**"],
    // a throwaway PostgreSQL for the store suites that run on both stores (skipped, and said so, without one)
    globalSetup: ["test/helpers/postgres-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // integration tests spawn the CLI and use real files: keep runs predictable on 2 cores
    pool: "forks",
  },
});
