import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scenario, INVENTORY_HEADER } from "../helpers/scenario.js";
import { startFtpServer, type TestServer } from "../helpers/servers.js";
import { transportContract } from "./contract.js";

transportContract("FTP (ftp-srv on loopback)", () => startFtpServer(), {
  hostileNames: (names) => startFtpServer({ extraNames: names }),
});
transportContract("FTPS, explicit TLS (ftp-srv on loopback)", () => startFtpServer({ tls: true }), {
  proxyable: false,
});

describe("FTPS certificate verification", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startFtpServer({ tls: true });
  }, 30_000);
  afterAll(() => server.close());

  it("is on by default: a certificate not signed by a trusted CA is refused at once, with what to do", async () => {
    mkdirSync(join(server.root, "v/in"), { recursive: true });
    writeFileSync(join(server.root, "v/in/inv.csv"), `${INVENTORY_HEADER}\nA,1,,,2026-11-20T10:00:00Z\n`);
    const s = new Scenario({
      patch: (c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        const { caPath: _ignored, ...withoutCa } = server.options({ retries: 3, retryDelaySeconds: 2 });
        m.warehouses[0].inventory.source = { ...withoutCa, dir: "v/in" };
      },
    });
    try {
      const started = Date.now();
      const r = await s.run();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(r.errors.join("\n")).toMatch(/TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\).*caPath/);
      expect(r.files).toEqual([]);
    } finally {
      s.cleanup();
    }
  });
});
