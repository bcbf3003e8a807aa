import { defineConfig } from "vitest/config";

/** `npm run test:interop`: the transport contract against Debian's vsftpd and OpenSSH (.ci/interop-servers). */
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // one server for every suite: files one at a time
    fileParallelism: false,
  },
});
