/**
 * What every remote transport must do, run against real servers: the in-process ones of
 * the default suite (ftp-srv, ssh2's Server) and Debian's vsftpd and OpenSSH in CI's
 * interop run. Each test works in its own folder of the server, so one server serves all.
 */
import { spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT, Scenario, INVENTORY_HEADER } from "../helpers/scenario.js";
import { startCuttingProxy, startSilentServer, type TestServer } from "../helpers/servers.js";

export interface ContractCaps {
  /** the server can be made to list hostile names (in-process servers only) */
  hostileNames?: (names: string[]) => Promise<TestServer>;
  /**
   * false when a TCP proxy cannot cut its file transfers: explicit FTPS encrypts the
   * passive-mode replies a proxy would have to rewrite, so its data connections bypass it
   */
  proxyable?: boolean;
}

const T = "2026-11-20T10:00:00Z";

/**
 * `stockfeed run` in a child process that kills itself at a fault point. Asynchronous: the
 * servers under test live in this process and must keep answering meanwhile.
 */
function crashRun(configPath: string, fault: string): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "dist/cli/main.js"), "run", "--config", configPath], {
      env: { ...process.env, STOCKFEED_FAULT: fault },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ signal, output }));
  });
}
let counter = 0;

export function transportContract(label: string, start: () => Promise<TestServer>, caps: ContractCaps = {}): void {
  describe(label, () => {
    let server: TestServer;
    let s: Scenario | undefined;
    beforeAll(async () => {
      server = await start();
    }, 30_000);
    afterAll(async () => {
      await server?.close();
    });
    afterEach(() => {
      s?.cleanup();
      s = undefined;
    });

    /** a folder of its own on the server for one test, readable and writable by the server's user */
    const area = () => {
      const name = `t${process.pid}-${++counter}`;
      for (const d of [name, `${name}/in`, `${name}/in/east`, `${name}/out`, `${name}/out/shop`]) {
        mkdirSync(join(server.root, d), { recursive: true });
        chmodSync(join(server.root, d), 0o777);
      }
      return name;
    };
    const put = (rel: string, content: string, mtime?: Date) => {
      const p = join(server.root, rel);
      writeFileSync(p, content);
      chmodSync(p, 0o666);
      if (mtime) utimesSync(p, mtime, mtime);
      return p;
    };
    const inventoryText = (lines: string[]) => [INVENTORY_HEADER, ...lines].join("\n") + "\n";

    /** a scenario whose warehouse feed (and optionally cart output) is on the server */
    const scenario = (
      dir: string,
      source: Record<string, unknown> = {},
      destination?: Record<string, unknown>,
      srv: TestServer = server,
    ) =>
      new Scenario({
        carts: [{ id: "shop" }],
        patch: (c) => {
          const m = (c.merchants as Array<Record<string, any>>)[0];
          m.warehouses[0].inventory.source = {
            ...srv.options(),
            dir: `${dir}/in/east`,
            match: "*.csv",
            stableSeconds: 0,
            ...source,
          };
          if (destination) m.carts[0].output.destination = { ...srv.options(), dir: `${dir}/out/shop`, ...destination };
        },
      });

    it("takes a complete file exactly once, then archives it on the server (afterTake: move)", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,10,,,${T}`]));
      s = scenario(dir);
      const r = await s.run();
      expect(r.errors).toEqual([]);
      expect(r.files.map((f) => [f.name, f.status])).toEqual([["inv.csv", "loaded"]]);
      expect(existsSync(join(server.root, dir, "in/east/inv.csv"))).toBe(false);
      expect(readFileSync(join(server.root, dir, "in/east/archive/inv.csv"), "utf8")).toContain("A,10");
      expect(s.latest("shop")).toEqual({ A: 10 });
      const again = await s.run();
      expect(again.files).toEqual([]);
      expect((await s.files()).map((f) => ({ name: f.name, status: f.status }))).toEqual([
        { name: "inv.csv", status: "loaded" },
      ]);
    });

    it("afterTake: keep leaves the file and the ledger alone prevents a second load; a changed file is taken again", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,10,,,${T}`]));
      s = scenario(dir, { afterTake: "keep" });
      expect((await s.run()).files.map((f) => f.status)).toEqual(["loaded"]);
      expect((await s.run()).files).toEqual([]);
      expect(existsSync(join(server.root, dir, "in/east/inv.csv"))).toBe(true);
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,7,,,2026-11-20T11:00:00Z`]), new Date(Date.now() + 5000));
      const r = await s.run();
      expect(r.files.map((f) => f.status)).toEqual(["loaded"]);
      expect(s.latest("shop")).toEqual({ A: 7 });
    });

    it("afterTake: delete removes the file from the server once loaded", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,3,,,${T}`]));
      s = scenario(dir, { afterTake: "delete" });
      expect((await s.run()).files.map((f) => f.status)).toEqual(["loaded"]);
      expect(readdirSync(join(server.root, dir, "in/east"))).toEqual([]);
    });

    it("a file still growing is not taken; once two listings agree it is", async () => {
      const dir = area();
      const p = put(`${dir}/in/east/inv.csv`, inventoryText([`A,1,,,${T}`]));
      s = scenario(dir, { stableSeconds: 1.5 });
      const writer = setInterval(() => appendFileSync(p, `B,1,,,${T}\n`), 200);
      const r = await s.run();
      clearInterval(writer);
      expect(r.files).toEqual([]);
      expect(existsSync(p)).toBe(true);
      const later = await s.run();
      expect(later.files.map((f) => [f.name, f.status])).toEqual([["inv.csv", "loaded"]]);
    });

    it("a server whose clock is hours off still has each file taken exactly once, as of no later than now", async () => {
      const dir = area();
      const ahead = new Date(Date.now() + 7 * 3600_000);
      put(`${dir}/in/east/ahead.csv`, "sku,quantity_available\nA,5\n", ahead);
      put(`${dir}/in/east/behind.csv`, "sku,quantity_available\nB,6\n", new Date(Date.now() - 9 * 3600_000));
      s = scenario(dir, { stableSeconds: 0.5 });
      const before = Date.now();
      const r = await s.run();
      expect(r.files.map((f) => f.name).sort()).toEqual(["ahead.csv", "behind.csv"]);
      expect((await s.run()).files).toEqual([]);
      const asOf = await s.levels("east");
      expect(asOf[0].asOf).toBeLessThanOrEqual(Date.now());
      expect(asOf[0].asOf).toBeGreaterThanOrEqual(before - 1000);
    });

    it("with a done file, a file is taken only once its marker exists, and the marker goes with it", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,4,,,${T}`]));
      s = scenario(dir, { doneFile: "{base}.ok", match: "*" });
      expect((await s.run()).files).toEqual([]);
      put(`${dir}/in/east/inv.ok`, "");
      const r = await s.run();
      expect(r.files.map((f) => f.name)).toEqual(["inv.csv"]);
      expect(readdirSync(join(server.root, dir, "in/east/archive")).sort()).toEqual(["inv.csv", "inv.ok"]);
    });

    /**
     * Runs `body` with the warehouse feed behind a proxy that cuts (drop) or freezes (stall)
     * the transfer of `text` about `fraction` of the way (SFTP: the session also carries the
     * handshake and listing, ~3-5 kB, before the file).
     */
    const behindProxy = async (
      dir: string,
      text: string,
      fraction: number,
      how: "drop" | "stall",
      options: Record<string, unknown>,
      body: (proxy: { cuts: () => number }) => Promise<void>,
    ) => {
      const proxy = await startCuttingProxy(
        { host: server.host, port: server.port },
        server.kind === "sftp" ? "sftp" : "ftp",
      );
      try {
        s = scenario(dir, {}, undefined, {
          ...server,
          options: (o = {}) => ({ ...server.options(), port: proxy.port, ...options, ...o }),
        });
        proxy.cutAfter(Math.floor(text.length * fraction) + (server.kind === "sftp" ? 4000 : 0), how);
        await body(proxy);
      } finally {
        await proxy.close();
      }
    };

    it.skipIf(caps.proxyable === false)(
      "a transfer cut at 50% by a proxy leaves nothing staged, and the file is taken whole on the next run",
      async () => {
        const dir = area();
        const lines = Array.from({ length: 4000 }, (_, i) => `SKU${String(i).padStart(6, "0")},${i % 50},,,${T}`);
        const text = inventoryText(lines);
        put(`${dir}/in/east/big.csv`, text);
        await behindProxy(dir, text, 0.5, "drop", { retries: 0 }, async (proxy) => {
          const r = await s!.run();
          expect(proxy.cuts()).toBe(1);
          expect(r.exitCode).toBe(1);
          expect(r.files.map((f) => [f.name, f.status])).toEqual([["big.csv", "failed"]]);
          expect(await s!.files()).toEqual([]);
          const spool = s!.path("work/spool/acme/inventory/east");
          expect(existsSync(spool) ? readdirSync(spool).filter((n) => n !== ".meta") : []).toEqual([]);
          const again = await s!.run();
          expect(again.files.map((f) => [f.name, f.status, f.rowsLoaded])).toEqual([["big.csv", "loaded", 4000]]);
        });
      },
    );

    it.skipIf(caps.proxyable === false)(
      "a server that drops the connection mid-transfer is retried in the same run, and the file loads once",
      async () => {
        const dir = area();
        const text = inventoryText(Array.from({ length: 3000 }, (_, i) => `S${i},1,,,${T}`));
        put(`${dir}/in/east/inv.csv`, text);
        await behindProxy(dir, text, 0.4, "drop", {}, async (proxy) => {
          const r = await s!.run();
          expect(proxy.cuts()).toBe(1);
          expect(r.errors).toEqual([]);
          expect(r.files.map((f) => [f.status, f.rowsLoaded, f.error])).toEqual([["loaded", 3000, undefined]]);
        });
      },
    );

    it.skipIf(caps.proxyable === false)(
      "a transfer that goes silent half way fails within idleTimeoutSeconds, leaves nothing, and loads whole next run",
      async () => {
        const dir = area();
        const text = inventoryText(Array.from({ length: 3000 }, (_, i) => `S${i},2,,,${T}`));
        put(`${dir}/in/east/inv.csv`, text);
        await behindProxy(dir, text, 0.5, "stall", { retries: 0, idleTimeoutSeconds: 1 }, async (proxy) => {
          const started = Date.now();
          const r = await s!.run();
          expect(proxy.cuts()).toBe(1);
          expect(Date.now() - started).toBeLessThan(8000);
          expect(r.files.map((f) => f.status)).toEqual(["failed"]);
          // SFTP: our stall watchdog; FTP: the server may report the transfer done, and the size check refuses the half
          // file
          expect(r.files[0].error, r.files[0].error).toMatch(/timeout|stalled|no data|cut off/i);
          const spool = s!.path("work/spool/acme/inventory/east");
          expect(existsSync(spool) ? readdirSync(spool).filter((n) => n !== ".meta") : []).toEqual([]);
          const again = await s!.run();
          expect(again.files.map((f) => [f.status, f.rowsLoaded])).toEqual([["loaded", 3000]]);
        });
      },
    );

    it("a new file with an old one's name, size and time is still loaded: only the same bytes are the same file", async () => {
      const dir = area();
      const t = new Date(Date.parse("2026-11-20T09:00:00Z"));
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,10,,,${T}`]), t);
      s = scenario(dir);
      expect((await s.run()).files.map((f) => f.status)).toEqual(["loaded"]);
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,20,,,${T}`]), t);
      const r = await s.run();
      expect(r.files.map((f) => [f.name, f.status])).toEqual([["inv.csv", "loaded"]]);
      expect(s.latest("shop")).toEqual({ A: 20 });
    });

    it("a crash between load and archiving on the server does not load the file twice on the next run", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,10,,,${T}`]));
      s = scenario(dir);
      const crashed = await crashRun(s.configPath, "collect:before-archive-on-server");
      expect(crashed.signal, crashed.output).toBe("SIGKILL");
      expect(existsSync(join(server.root, dir, "in/east/inv.csv"))).toBe(true);
      const r = await s.run();
      expect(r.errors).toEqual([]);
      expect(r.files).toEqual([]);
      expect(existsSync(join(server.root, dir, "in/east/archive/inv.csv"))).toBe(true);
      expect((await s.files()).map((f) => ({ name: f.name, status: f.status }))).toEqual([
        { name: "inv.csv", status: "loaded" },
      ]);
      expect(s.latest("shop")).toEqual({ A: 10 });
    });

    it("a crash right after the download finishes the spooled file on the next run, once", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,10,,,${T}`]));
      s = scenario(dir);
      const crashed = await crashRun(s.configPath, "collect:after-download");
      expect(crashed.signal, crashed.output).toBe("SIGKILL");
      const r = await s.run();
      expect(r.files.map((f) => [f.name, f.status])).toEqual([["inv.csv", "loaded"]]);
      expect(existsSync(join(server.root, dir, "in/east/archive/inv.csv"))).toBe(true);
      expect((await s.run()).files).toEqual([]);
      expect(await s.files()).toHaveLength(1);
    });

    it("delivers a cart file under a temporary name then renames it: a reader polling the folder never sees part of it", async () => {
      const dir = area();
      const lines = Array.from({ length: 60_000 }, (_, i) => `P${String(i).padStart(7, "0")},${(i % 90) + 1},,,${T}`);
      s = scenario(dir, {}, {});
      mkdirSync(s.path("in/wms/east"), { recursive: true });
      writeFileSync(s.path("in/wms/east/inv.csv"), inventoryText(lines));
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.warehouses[0].inventory.source = { transport: "local", dir: "in/wms/east", match: "*.csv" };
      });
      const outDir = join(server.root, dir, "out/shop");
      const seen: Array<{ name: string; size: number }> = [];
      const look = () => {
        for (const name of readdirSync(outDir)) {
          if (name.endsWith(".part")) continue;
          seen.push({ name, size: statSync(join(outDir, name)).size });
        }
      };
      const poll = setInterval(look, 2);
      const r = await s.run();
      clearInterval(poll);
      // and once after: a run that ends within a tick of its rename still leaves a look at the whole file
      look();
      expect(r.carts[0]).toMatchObject({ action: "sent", file: "shop-0001.csv" });
      const final = statSync(join(outDir, "shop-0001.csv")).size;
      expect(final).toBeGreaterThan(500_000);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((x) => x.name === "shop-0001.csv" && x.size === final)).toBe(true);
      expect(readdirSync(outDir)).toEqual(["shop-0001.csv"]);
    });

    it("fileExist: fail refuses another file's name and the file waits; overwrite replaces it; rename-with-suffix sends name-1", async () => {
      for (const [policy, expected] of [
        ["fail", ["stock.csv"]],
        ["overwrite", ["stock.csv"]],
        ["rename-with-suffix", ["stock-1.csv", "stock.csv"]],
      ] as const) {
        const dir = area();
        put(`${dir}/out/shop/stock.csv`, "someone else's\n");
        s = scenario(dir, {}, { fileExist: policy });
        s.patch((c) => {
          const m = (c.merchants as Array<Record<string, any>>)[0];
          m.carts[0].output.filename = "stock.csv";
          m.warehouses[0].inventory.source = { transport: "local", dir: "in/wms/east", match: "*.csv" };
        });
        s.inventory("east", "inv.csv", [`A,2,,,${T}`]);
        const r = await s.run();
        expect(readdirSync(join(server.root, dir, "out/shop")).sort()).toEqual(expected);
        if (policy === "fail") {
          expect(r.carts[0].action).toBe("failed");
          expect(r.carts[0].error).toMatch(/already exists with other content/);
          expect(readFileSync(join(server.root, dir, "out/shop/stock.csv"), "utf8")).toBe("someone else's\n");
        } else {
          expect(r.carts[0].action).toBe("sent");
          const name = policy === "overwrite" ? "stock.csv" : "stock-1.csv";
          expect(readFileSync(join(server.root, dir, "out/shop", name), "utf8")).toBe("sku,quantity\nA,2\n");
        }
        s.cleanup();
        s = undefined;
      }
    });

    it("a retry after an answer lost past the rename sends nothing twice (the published file is recognised)", async () => {
      const dir = area();
      s = scenario(dir, {}, {});
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.warehouses[0].inventory.source = { transport: "local", dir: "in/wms/east", match: "*.csv" };
      });
      s.inventory("east", "inv.csv", [`A,2,,,${T}`]);
      const crashed = await crashRun(s.configPath, "sync:after-publish");
      expect(crashed.signal, crashed.output).toBe("SIGKILL");
      expect(readdirSync(join(server.root, dir, "out/shop"))).toEqual(["shop-0001.csv"]);
      const r = await s.run();
      expect(r.carts[0]).toMatchObject({ action: "skipped", delivered: ["shop-0001.csv"] });
      expect(readdirSync(join(server.root, dir, "out/shop"))).toEqual(["shop-0001.csv"]);
      expect(await s.read((store, config) => store.queries.cartStatus(config))).toEqual([
        expect.objectContaining({
          cart: "shop",
          lastSync: expect.objectContaining({ file: "shop-0001.csv" }),
          lastAttempt: expect.objectContaining({ status: "delivered" }),
          waitingInOutbox: 0,
        }),
      ]);
    });

    it("a wrong password fails fast (no retries) with a clear message, and the other feeds still run", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,1,,,${T}`]));
      process.env.STOCKFEED_TEST_WRONG_PW = "not-the-password";
      // a retry would wait 20 s first; servers delay a failed login themselves (vsftpd with PAM:
      // 2-3 s, so the idle bound must be longer than that, or the wait looks like a dead server)
      s = scenario(dir, {
        passwordEnv: "STOCKFEED_TEST_WRONG_PW",
        retries: 5,
        retryDelaySeconds: 20,
        connectTimeoutSeconds: 15,
        idleTimeoutSeconds: 15,
      });
      s.patch((c) => {
        const m = (c.merchants as Array<Record<string, any>>)[0];
        m.carts[0].orders = {
          source: { transport: "local", dir: "in/orders/shop", match: "*.csv" },
          mapping: join(ROOT, "mappings/orders/generic-csv.yaml"),
        };
      });
      s.orders("shop", "o.csv", [`1,1,A,1,${T},open`]);
      const started = Date.now();
      const r = await s.run();
      expect(Date.now() - started).toBeLessThan(19_000);
      expect(r.exitCode).toBe(1);
      expect(r.errors.join("\n")).toMatch(/login refused|authentication/i);
      expect(r.errors.join("\n")).not.toMatch(/gave up after/);
      expect(r.errors.join("\n")).not.toContain("not-the-password");
      expect(r.files.map((f) => [f.name, f.status])).toEqual([["o.csv", "loaded"]]);
    });

    it("neither the logs (with the protocol trace) nor the state database ever hold the password", async () => {
      const dir = area();
      put(`${dir}/in/east/inv.csv`, inventoryText([`A,1,,,${T}`]));
      s = scenario(dir, {}, {});
      const logFile = s.path("debug.log");
      const log = pino({ level: "trace" }, pino.destination({ dest: logFile, sync: true }));
      const r = await s.run({ log });
      expect(r.errors).toEqual([]);
      expect(r.carts[0].action).toBe("sent");
      const secret = process.env[server.passwordEnv]!;
      const logText = readFileSync(logFile, "utf8");
      expect(logText.length).toBeGreaterThan(1000);
      if (server.kind !== "sftp") expect(logText).toMatch(/PASS ###/);
      expect(logText).not.toContain(secret);
      for (const f of readdirSync(s.path("state")))
        expect(readFileSync(s.path("state", f)).includes(Buffer.from(secret))).toBe(false);
    });

    it("a listing longer than maxEntries fails cleanly and takes nothing", async () => {
      const dir = area();
      for (let i = 0; i < 30; i++) put(`${dir}/in/east/f${i}.csv`, inventoryText([`A,${i},,,${T}`]));
      s = scenario(dir, { maxEntries: 10 });
      const r = await s.run();
      expect(r.files).toEqual([]);
      expect(r.errors.join("\n")).toMatch(/more than 10 entries \(maxEntries\)/);
    });

    it("takes files of subfolders with recursive, never from the archive folder", async () => {
      const dir = area();
      mkdirSync(join(server.root, dir, "in/east/2026/11"), { recursive: true });
      chmodSync(join(server.root, dir, "in/east/2026"), 0o777);
      chmodSync(join(server.root, dir, "in/east/2026/11"), 0o777);
      put(`${dir}/in/east/2026/11/inv.csv`, inventoryText([`A,8,,,${T}`]));
      s = scenario(dir, { recursive: true });
      const r = await s.run();
      expect(r.files.map((f) => f.name)).toEqual(["2026/11/inv.csv"]);
      expect(existsSync(join(server.root, dir, "in/east/archive/2026/11/inv.csv"))).toBe(true);
      expect((await s.run()).files).toEqual([]);
    });

    if (caps.hostileNames)
      it("a remote name with ../, a backslash or a control character is refused and reported, and never escapes the spool", async () => {
        const hostile = await caps.hostileNames!(["../../escape.csv", "..\\evil.csv", "bad\u0001.csv"]);
        try {
          const dir = area();
          mkdirSync(join(hostile.root, dir, "in/east"), { recursive: true });
          writeFileSync(join(hostile.root, dir, "in/east/good.csv"), inventoryText([`A,1,,,${T}`]));
          s = scenario(dir, {}, undefined, hostile);
          const r = await s.run();
          const refused = r.files.filter((f) => f.status === "failed");
          expect(refused.map((f) => f.error)).toEqual([
            expect.stringMatching(/remote name refused: it contains a '\.\.'/),
            expect.stringMatching(/remote name refused: it contains a backslash/),
            expect.stringMatching(/remote name refused: it contains a control character/),
          ]);
          expect(r.files.filter((f) => f.status === "loaded").map((f) => f.name)).toEqual(["good.csv"]);
          expect(existsSync(s.path("work/escape.csv"))).toBe(false);
          expect(existsSync(s.path("work/spool/escape.csv"))).toBe(false);
        } finally {
          await hostile.close();
        }
      });

    it("a server that accepts and then says nothing fails within the connect bound; the other work goes on", async () => {
      const silent = await startSilentServer();
      try {
        const dir = area();
        s = scenario(dir, { port: silent.port, connectTimeoutSeconds: 1, retries: 1, retryDelaySeconds: 0.1 });
        s.patch((c) => {
          const m = (c.merchants as Array<Record<string, any>>)[0];
          m.carts[0].orders = {
            source: { transport: "local", dir: "in/orders/shop", match: "*.csv" },
            mapping: join(ROOT, "mappings/orders/generic-csv.yaml"),
          };
        });
        s.orders("shop", "o.csv", [`1,1,A,1,${T},open`]);
        const started = Date.now();
        const r = await s.run();
        expect(Date.now() - started).toBeLessThan(8000);
        expect(r.errors.join("\n")).toMatch(/gave up after 2 attempts/);
        expect(r.files.map((f) => f.status)).toEqual(["loaded"]);
      } finally {
        await silent.close();
      }
    });
  });
}
