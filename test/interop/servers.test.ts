/**
 * The transport contract against Debian's vsftpd (FTP and explicit FTPS) and OpenSSH
 * (SFTP), started by .ci/interop-servers. Run with `npm run test:interop` after sourcing
 * its output; without those servers the suite fails when STOCKFEED_INTEROP=required (CI)
 * and is skipped otherwise.
 */
import { describe, expect, it } from "vitest";
import type { TestServer } from "../helpers/servers.js";
import { transportContract } from "../transports/contract.js";

const env = process.env;
const ready = !!(env.STOCKFEED_INTEROP_ROOT && env.STOCKFEED_INTEROP_FTP_PORT && env.STOCKFEED_INTEROP_SFTP_PORT);
const FAST = {
  retries: 2,
  retryDelaySeconds: 0.05,
  connectTimeoutSeconds: 5,
  idleTimeoutSeconds: 3,
  transferDeadlineSeconds: 20,
};

function external(kind: TestServer["kind"]): () => Promise<TestServer> {
  return async () => {
    const port = Number(kind === "sftp" ? env.STOCKFEED_INTEROP_SFTP_PORT : env.STOCKFEED_INTEROP_FTP_PORT);
    const base = {
      host: "127.0.0.1",
      port,
      user: env.STOCKFEED_INTEROP_USER!,
      passwordEnv: "STOCKFEED_INTEROP_PASSWORD",
      ...FAST,
    };
    const extra =
      kind === "sftp"
        ? { transport: "sftp", hostKey: env.STOCKFEED_INTEROP_SFTP_HOSTKEY }
        : kind === "ftps"
          ? { transport: "ftp", tls: "explicit", caPath: env.STOCKFEED_INTEROP_FTP_CA }
          : { transport: "ftp" };
    return {
      kind,
      implementation: kind === "sftp" ? "OpenSSH" : "vsftpd",
      root: env.STOCKFEED_INTEROP_ROOT!,
      host: "127.0.0.1",
      port,
      user: base.user,
      passwordEnv: "STOCKFEED_INTEROP_PASSWORD",
      options: (o = {}) => ({ ...base, ...extra, ...o }),
      close: async () => undefined,
    };
  };
}

if (ready) {
  transportContract("FTP against Debian's vsftpd", external("ftp"));
  transportContract("FTPS (explicit TLS) against Debian's vsftpd", external("ftps"), { proxyable: false });
  transportContract("SFTP against OpenSSH's sshd (posix-rename@openssh.com)", external("sftp"));
} else {
  describe("interop servers", () => {
    it.runIf(env.STOCKFEED_INTEROP === "required")(
      "are running (source the output of .ci/interop-servers first)",
      () => {
        expect(ready, "STOCKFEED_INTEROP_* not set: start the servers with .ci/interop-servers").toBe(true);
      },
    );
  });
}
