import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT, Scenario } from "./helpers/scenario.js";

const CLI = join(ROOT, "dist/cli/main.js");
const T = "2026-11-20T10:00:00Z";

interface Running {
  child: ChildProcess;
  log: () => string;
  exit: Promise<{ code: number | null; ms: number }>;
}

function startDaemon(configPath: string, env: Record<string, string> = {}, stopTimeoutSeconds = 10): Running {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "--log-level",
      "info",
      "daemon",
      "--config",
      configPath,
      "--heartbeat-seconds",
      "1",
      "--stop-timeout-seconds",
      String(stopTimeoutSeconds),
    ],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let text = "";
  child.stdout!.on("data", (d) => (text += d));
  child.stderr!.on("data", (d) => (text += d));
  let signalledAt = 0;
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return kill(signal);
  };
  const exit = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.on("close", (code) => resolve({ code, ms: Date.now() - signalledAt })),
  );
  return { child, log: () => text, exit };
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

describe("stockfeed daemon", () => {
  let s: Scenario | undefined;
  let d: Running | undefined;
  afterEach(async () => {
    if (d && d.child.exitCode === null) {
      d.child.kill("SIGKILL");
      await d.exit;
    }
    d = undefined;
    s?.cleanup();
    s = undefined;
  });

  /** carts `fast` (every second) and `slow` (once a year); feeds polled every second */
  const scenario = () => {
    const sc = new Scenario({ carts: [{ id: "fast" }, { id: "slow" }] });
    sc.patch((c) => {
      const m = (c.merchants as Array<Record<string, any>>)[0];
      m.warehouses[0].inventory.pollSeconds = 1;
      m.carts[0].schedule = "* * * * * *";
      m.carts[1].schedule = "0 0 1 1 *";
      m.carts[1].timeZone = "America/New_York";
    });
    return sc;
  };

  it("syncs each cart on its own schedule, owns the state while it lives, and stops on SIGTERM with exit 0", async () => {
    s = scenario();
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    d = startDaemon(s.configPath);
    await until("the fast cart's file", () => s!.outputs("fast").length === 1);
    expect(s.outputs("slow")).toEqual([]);
    expect(s.latest("fast")).toEqual({ A: 5 });

    // one process owns the state
    const second = cli("run", "--config", s.configPath);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      /is in use by stockfeed daemon \(pid \d+, since .*\): one process owns a state database at a time/,
    );

    // status: alive, and each cart's next sync from its own schedule and time zone
    await until("a heartbeat", () => existsSync(s!.path("state/stockfeed.sqlite.heartbeat")));
    const status = JSON.parse(cli("status", "--config", s.configPath, "--json").stdout);
    expect(status.daemon.alive).toBe(true);
    const slow = status.carts.find((c: { cart: string }) => c.cart === "slow");
    expect(slow).toMatchObject({
      schedule: "0 0 1 1 *",
      timeZone: "America/New_York",
      nextSync: expect.stringMatching(/^\d{4}-01-01T05:00:00Z$/),
    });

    // news is picked up by the next poll and the next tick
    s.inventory("east", "inv2.csv", [`A,9,,,2026-11-20T11:00:00Z`]);
    await until("the second file", () => s!.outputs("fast").length === 2);
    expect(s.latest("fast")).toEqual({ A: 9 });

    d.child.kill("SIGTERM");
    const { code, ms } = await d.exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
    expect(existsSync(s.path("state/stockfeed.sqlite.lock"))).toBe(false);
    expect(JSON.parse(cli("status", "--config", s.configPath, "--json").stdout).daemon.alive).toBe(false);
    // and a plain run may use the state again
    expect(cli("run", "--config", s.configPath).status).toBe(0);
  });

  it("SIGHUP with a bad config keeps the running one; a good change is applied without losing state", async () => {
    s = scenario();
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    d = startDaemon(s.configPath);
    await until("the first file", () => s!.outputs("fast").length === 1);
    const good = readFileSync(s.configPath, "utf8");
    writeFileSync(s.configPath, good.replace("minimumLevel: 0", "minimumLevel: -3"));
    d.child.kill("SIGHUP");
    await until("the rejection", () => /new config rejected: the running one stays/.test(d!.log()));
    s.inventory("east", "inv2.csv", [`A,7,,,2026-11-20T11:00:00Z`]);
    await until("a file under the old config", () => s!.outputs("fast").length === 2);
    expect(d.child.exitCode).toBe(null);

    // a cart that changes its rules gets a full send under the new config; state is kept
    writeFileSync(s.configPath, good.replace(/minimumLevel: 0/, "minimumLevel: 8"));
    d.child.kill("SIGHUP");
    await until("the reload", () => /config reloaded/.test(d!.log()));
    await until("the full send after the settings change", () => s!.outputs("fast").length === 3);
    expect(s.latest("fast")).toEqual({ A: 0 });
    d.child.kill("SIGTERM");
    expect((await d.exit).code).toBe(0);
    const history = JSON.parse(cli("history", "--config", s.configPath, "--json").stdout);
    const reasons = history.runs.flatMap((r: { carts: Array<{ cart: string; action: string; reason: string }> }) =>
      r.carts.filter((c) => c.cart === "fast" && c.action === "sent").map((c) => c.reason),
    );
    expect(reasons).toEqual(["first-sync", "news", "settings-changed"]);
  });

  it("a reload keeps the cart sync waiting in the queue and says so; one edit is one reload", async () => {
    s = scenario();
    // `slow` ticks once, a few seconds from now, while `fast`'s first sync (held 8 s) runs
    const at = new Date(Date.now() + 4000);
    s.patch((c) => {
      const slow = (c.merchants as Array<Record<string, any>>)[0].carts[1];
      slow.schedule = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
      slow.timeZone = "UTC";
    });
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    d = startDaemon(s.configPath, { STOCKFEED_DELAY: "sync:before-render=8000" });
    const queued = () => {
      try {
        return JSON.parse(readFileSync(s!.path("state/stockfeed.sqlite.heartbeat"), "utf8")).queued as string[];
      } catch {
        return [];
      }
    };
    await until("the slow cart's sync to wait in the queue", () => queued().includes("sync acme/slow"));
    // an operator's edit, then SIGHUP; the file watcher sees the same edit
    writeFileSync(s.configPath, readFileSync(s.configPath, "utf8").replace("buffer: 0", "buffer: 1"));
    d.child.kill("SIGHUP");
    await until("the slow cart's file", () => s!.outputs("slow").length === 1, 30_000);
    expect(d.log()).toMatch(/"kept":\[[^\]]*"sync acme\/slow"[^\]]*\],"dropped":\[\].*"msg":"config reloaded"/);
    await new Promise((r) => setTimeout(r, 3000)); // the watcher's look at the file (every 2 s)
    expect(d.log().match(/config reloaded/g)).toHaveLength(1);
    expect(d.log()).toMatch(/config unchanged since it was last read: not reloaded/);
    d.child.kill("SIGTERM");
    expect((await d.exit).code).toBe(0);
  }, 60_000);

  it("a tick that comes while the cart's previous sync is still running is skipped, and says so", async () => {
    s = scenario();
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    d = startDaemon(s.configPath, { STOCKFEED_DELAY: "sync:before-render=2500" });
    await until("the file", () => s!.outputs("fast").length === 1);
    await until("a skipped tick", () => /tick skipped: the previous one is still running or waiting/.test(d!.log()));
    const hb = JSON.parse(readFileSync(s.path("state/stockfeed.sqlite.heartbeat"), "utf8"));
    expect(hb.skippedTicks["sync acme/fast"]).toBeGreaterThan(0);
    d.child.kill("SIGTERM");
    expect((await d.exit).code).toBe(0);
    expect(s.outputs("fast")).toHaveLength(1);
  });
});

describe("stopping", () => {
  it("SIGTERM during a cart's sync lets that sync finish (its file is delivered), then exits 0", async () => {
    const s = new Scenario({ carts: [{ id: "fast" }] });
    s.patch((c) => {
      const m = (c.merchants as Array<Record<string, any>>)[0];
      m.warehouses[0].inventory.pollSeconds = 1;
      m.carts[0].schedule = "* * * * * *";
    });
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    const d = startDaemon(s.configPath, { STOCKFEED_DELAY: "sync:before-render=2000" });
    try {
      const running = () => {
        try {
          return JSON.parse(readFileSync(s.path("state/stockfeed.sqlite.heartbeat"), "utf8")).running as string | null;
        } catch {
          return null;
        }
      };
      await until("the cart's sync to be running", () => running() === "sync acme/fast");
      expect(s.outputs("fast")).toEqual([]);
      d.child.kill("SIGTERM");
      const { code, ms } = await d.exit;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(8000);
      expect(s.outputs("fast")).toHaveLength(1);
      expect(d.log()).toMatch(/stopping: no new work; finishing what is in hand/);
    } finally {
      if (d.child.exitCode === null) d.child.kill("SIGKILL");
      s.cleanup();
    }
  });
});

describe("the stop timeout", () => {
  it("bounds the exit: at --stop-timeout-seconds the daemon exits 1 at once, the job cut short; the next run finishes it", async () => {
    const s = new Scenario({ carts: [{ id: "fast" }] });
    s.patch((c) => {
      const m = (c.merchants as Array<Record<string, any>>)[0];
      m.carts[0].schedule = "* * * * * *";
    });
    s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
    const d = startDaemon(s.configPath, { STOCKFEED_DELAY: "sync:before-render=20000" }, 3);
    const heartbeat = s.path("state/stockfeed.sqlite.heartbeat");
    try {
      const running = () => {
        try {
          return JSON.parse(readFileSync(heartbeat, "utf8")).running as string | null;
        } catch {
          return null;
        }
      };
      await until("the cart's sync to be running", () => running() === "sync acme/fast");
      d.child.kill("SIGTERM");
      // within the bound the daemon is alive and says what it still runs
      expect(JSON.parse(cli("status", "--config", s.configPath, "--json").stdout).daemon.alive).toBe(true);
      const { code, ms } = await d.exit;
      expect(code).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(3000);
      expect(ms).toBeLessThan(6000);
      expect(d.log()).toMatch(/stop timeout passed: exiting with the job in hand cut short/);
      expect(existsSync(heartbeat)).toBe(false);
      expect(existsSync(s.path("state/stockfeed.sqlite.lock"))).toBe(false);
      expect(s.outputs("fast")).toEqual([]);
      const next = cli("run", "--config", s.configPath);
      expect(next.status, next.stderr).toBe(0);
      expect(s.outputs("fast")).toHaveLength(1);
      expect(s.latest("fast")).toEqual({ A: 5 });
    } finally {
      if (d.child.exitCode === null) d.child.kill("SIGKILL");
      s.cleanup();
    }
  });
});

describe("one process per state", () => {
  it("a lock left by a process that died is taken over", () => {
    const s = new Scenario();
    try {
      s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
      const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
        encoding: "utf8",
      });
      s.write(
        "state/stockfeed.sqlite.lock",
        JSON.stringify({ pid: Number(dead.stdout), host: hostname(), command: "stockfeed run", since: 0 }),
      );
      const r = cli("run", "--config", s.configPath);
      expect(r.status, r.stderr).toBe(0);
      expect(existsSync(s.path("state/stockfeed.sqlite.lock"))).toBe(false);
    } finally {
      s.cleanup();
    }
  });
});

describe("stockfeed history", () => {
  it("says when --limit cut the list, and hides runs that did nothing (empty polls) unless --all", async () => {
    const s = new Scenario({ carts: [{ id: "shop" }] });
    try {
      s.inventory("east", "inv.csv", [`A,5,,,${T}`]);
      await s.run();
      // a daemon's polls that found nothing
      for (let i = 0; i < 5; i++) await s.run({ sync: false });
      await s.run();
      const json = (...args: string[]) =>
        JSON.parse(cli("history", "--config", s.configPath, "--json", ...args).stdout);
      const shown = json();
      expect(shown.runs.map((r: { run: number }) => r.run)).toEqual([1, 7]);
      expect(shown).toMatchObject({ matching: 2, cut: false, emptyHidden: 5 });
      expect(json("--all").runs).toHaveLength(7);
      expect(json("--all", "--limit", "3")).toMatchObject({ matching: 7, cut: true, emptyHidden: 0 });
      expect(json("--all", "--limit", "3").runs.map((r: { run: number }) => r.run)).toEqual([5, 6, 7]);
      const text = cli("history", "--config", s.configPath, "--limit", "1", "--since", "2000-01-01T00:00:00Z").stdout;
      expect(text).toMatch(/Showing the newest 1 of 2 runs since 2000-01-01T00:00:00Z: --limit 2 shows them all\./);
      expect(text).toMatch(/5 run\(s\) that did nothing since 2000-01-01T00:00:00Z hidden .*--all shows them\./);
      expect(cli("history", "--config", s.configPath, "--limit", "0").status).toBe(2);
    } finally {
      s.cleanup();
    }
  });

  it("lists past runs with what each did, newest last, and --since limits them", async () => {
    const s = new Scenario({ carts: [{ id: "shop" }] });
    try {
      s.inventory("east", "inv.csv", [`A,5,,,${T}`, `B,x,,,${T}`]);
      cli("run", "--config", s.configPath);
      cli("run", "--config", s.configPath);
      const h = JSON.parse(cli("history", "--config", s.configPath, "--json").stdout);
      expect(h.runs.map((r: { run: number; status: string }) => [r.run, r.status])).toEqual([
        [1, "with_problems"],
        [2, "ok"],
      ]);
      expect(h.runs[0].files).toEqual([
        expect.objectContaining({ name: "inv.csv", status: "loaded_with_rejects", rejected: 1 }),
      ]);
      expect(h.runs[0].carts).toEqual([
        expect.objectContaining({ cart: "shop", action: "sent", reason: "first-sync" }),
      ]);
      expect(h.runs[1].carts).toEqual([
        expect.objectContaining({ cart: "shop", action: "skipped", reason: "no-news" }),
      ]);
      const text = cli("history", "--config", s.configPath).stdout;
      expect(text).toMatch(/inv\.csv loaded_with_rejects; shop sent/);
      expect(
        JSON.parse(cli("history", "--config", s.configPath, "--since", "2000-01-01T00:00:00Z", "--json").stdout).runs,
      ).toHaveLength(2);
      expect(
        JSON.parse(cli("history", "--config", s.configPath, "--since", "2999-01-01T00:00:00Z", "--json").stdout).runs,
      ).toHaveLength(0);
      expect(cli("history", "--config", s.configPath, "--since", "yesterday").status).toBe(2);
    } finally {
      s.cleanup();
    }
  });
});

describe("progress", () => {
  it("a run in a terminal shows files, rows and carts on stderr; piped or with --json, nothing", () => {
    const s = new Scenario({ carts: [{ id: "shop" }] });
    try {
      s.inventory("east", "inv.csv", [`A,5,,,${T}`, `B,6,,,${T}`]);
      // `script` gives the run a terminal
      const tty = spawnSync(
        "script",
        ["-qec", `${process.execPath} ${CLI} run --config ${s.configPath}`, "/dev/null"],
        { encoding: "utf8" },
      );
      expect(tty.stdout).toMatch(/files 1 {2}rows 2 {2}carts 0\/1 {2}inv\.csv/);
      const piped = cli("run", "--config", s.configPath);
      expect(piped.stderr).toBe("");
    } finally {
      s.cleanup();
    }
  });
});

describe("the daemon is SQLite's single-process mode", () => {
  it("refuses a PostgreSQL state with a config error (exit 2) naming what runs it instead", () => {
    const s = new Scenario();
    s.patch((c) => {
      c.state = "postgres://stockfeed@127.0.0.1:1/none";
      delete c.statePasswordEnv;
    });
    const r = cli("daemon", "--config", s.configPath);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the daemon is the single-process mode of a SQLite state/);
    expect(r.stderr).toMatch(/stockfeed run/);
    s.cleanup();
  });
});
