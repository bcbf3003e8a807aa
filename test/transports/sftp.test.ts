import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scenario, INVENTORY_HEADER } from "../helpers/scenario.js";
import { sshKeyPair, startSftpServer } from "../helpers/servers.js";
import { transportContract } from "./contract.js";

transportContract("SFTP (ssh2 Server on loopback)", () => startSftpServer(), {
  hostileNames: (names) => startSftpServer({ extraNames: names }),
});

const T = "2026-11-20T10:00:00Z";

describe("SFTP connections", () => {
  const clientKey = sshKeyPair("key-passphrase-42");
  let server: Awaited<ReturnType<typeof startSftpServer>>;
  beforeAll(async () => {
    server = await startSftpServer({ clientKey });
  }, 30_000);
  afterAll(() => server.close());

  const scenario = (dir: string, source: Record<string, unknown>) => {
    mkdirSync(join(server.root, dir, "in"), { recursive: true });
    writeFileSync(join(server.root, dir, "in/inv.csv"), `${INVENTORY_HEADER}\nA,1,,,${T}\n`);
    return new Scenario({
      carts: [{ id: "shop" }],
      patch: (c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.warehouses[0].inventory.source = { ...server.options(), dir: `${dir}/in`, stableSeconds: 0, ...source };
      },
    });
  };

  it("refuses a server whose host key is not the pinned one, at once, showing the fingerprint it saw", async () => {
    const other = "SHA256:" + "A".repeat(43);
    const s = scenario("hk1", { hostKey: other, retries: 3, retryDelaySeconds: 2 });
    try {
      const started = Date.now();
      const r = await s.run();
      expect(Date.now() - started).toBeLessThan(3000);
      const message = r.errors.join("\n");
      expect(message).toContain(
        `host key of 127.0.0.1:${server.port} is ssh-ed25519 ${server.hostKeyFingerprint}, which is not the pinned key (${other})`,
      );
      expect(r.files).toEqual([]);
    } finally {
      s.cleanup();
    }
  });

  it("accepts a host key listed in a known_hosts file ([host]:port form), and refuses one that is not", async () => {
    const s = scenario("hk2", { hostKey: undefined, knownHosts: "known_hosts" });
    try {
      const pub = server.hostKeyFingerprint;
      // a known_hosts line for another host only: refused, naming the file
      writeFileSync(
        s.path("known_hosts"),
        `[other.example]:${server.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2y7kT7Xy6c2eQ0dVv2d9h1b5Ck6h0r3jM3w9z3v9hN\n`,
      );
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.warehouses[0].inventory.source.knownHosts = s.path("known_hosts");
        delete m.warehouses[0].inventory.source.hostKey;
      });
      const refused = await s.run();
      expect(refused.errors.join("\n")).toContain(
        `is ssh-ed25519 ${pub}, which is not the pinned key (the keys of [127.0.0.1]:${server.port} in ${s.path("known_hosts")})`,
      );
      writeFileSync(s.path("known_hosts"), `# partner's key\n[127.0.0.1]:${server.port} ${server.hostKeyLine}\n`);
      const ok = await s.run();
      expect(ok.errors).toEqual([]);
      expect(ok.files.map((f) => f.status)).toEqual(["loaded"]);
    } finally {
      s.cleanup();
    }
  });

  it("logs in with a private key protected by a passphrase, both from outside the config", async () => {
    process.env.STOCKFEED_TEST_KEY_PASSPHRASE = "key-passphrase-42";
    const s = scenario("key", {
      passwordEnv: undefined,
      privateKeyPath: server.clientKeyPath,
      passphraseEnv: "STOCKFEED_TEST_KEY_PASSPHRASE",
    });
    try {
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        delete m.warehouses[0].inventory.source.passwordEnv;
      });
      const r = await s.run();
      expect(r.errors).toEqual([]);
      expect(r.files.map((f) => f.status)).toEqual(["loaded"]);
    } finally {
      s.cleanup();
    }
  });

  it("uses one connection per server for the whole run: every feed and destination on it share it", async () => {
    mkdirSync(join(server.root, "reuse/orders"), { recursive: true });
    writeFileSync(
      join(server.root, "reuse/orders/o.csv"),
      `order_id,line,sku,quantity,ordered_at,status\n1,1,A,1,2026-11-20T11:00:00Z,open\n`,
    );
    const s = scenario("reuse", {});
    try {
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.carts[0].orders = {
          source: { ...server.options(), dir: "reuse/orders", stableSeconds: 0 },
          mapping: m.warehouses[0].inventory.mapping.replace("wms/generic-csv", "orders/generic-csv"),
        };
        m.carts[0].output.destination = { ...server.options(), dir: "reuse/out" };
      });
      const before = server.sessions();
      const r = await s.run();
      expect(r.errors).toEqual([]);
      expect(r.files.map((f) => f.status)).toEqual(["loaded", "loaded"]);
      expect(r.carts[0].action).toBe("sent");
      expect(server.sessions() - before).toBe(1);
    } finally {
      s.cleanup();
    }
  });

  it("a password or key in the config itself is refused with where it belongs", async () => {
    const s = scenario("cfg", { password: "hunter2" });
    try {
      await expect(s.run()).rejects.toThrow(
        /a password never goes in the config file: name an environment variable with passwordEnv/,
      );
    } finally {
      s.cleanup();
    }
  });
});
