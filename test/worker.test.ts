/**
 * Workers on the PostgreSQL state's job queue: several processes take one config's jobs,
 * one merchant's never at once, and a worker SIGKILLed mid-way changes nothing in the end:
 * every cart's newest file is the one a single-process SQLite run of the same inputs sends.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT, Scenario } from "./helpers/scenario.js";
import { freshDatabase, postgres, stateSession } from "./helpers/stores.js";

const CLI = join(ROOT, "dist/cli/main.js");
const MERCHANTS = ["m1", "m2", "m3"];
const CARTS = ["shop", "half"];
const T = "2026-11-20T06:00:00Z";

const made: Scenario[] = [];
const workers: ChildProcess[] = [];
afterEach(() => {
  for (const w of workers.splice(0)) if (w.exitCode === null) w.kill("SIGKILL");
  for (const s of made.splice(0)) s.cleanup();
});

/** three merchants, each a warehouse and two carts (every second on the clock), their inputs written */
function deployment(state: Record<string, string>): Scenario {
  const s = new Scenario({
    carts: [
      { id: "shop", orders: true },
      { id: "half", percent: 50 },
    ],
  });
  made.push(s);
  s.patch((c) => {
    Object.assign(c, state);
    if (!state.statePasswordEnv) delete c.statePasswordEnv;
    const [m] = c.merchants as Array<Record<string, unknown>>;
    c.merchants = MERCHANTS.map((id) =>
      JSON.parse(
        JSON.stringify(m)
          .replaceAll('"in/', `"in/${id}/`)
          .replaceAll('"out/', `"out/${id}/`)
          .replace('"id":"acme"', `"id":"${id}"`),
      ),
    );
    for (const merchant of c.merchants as Array<{ warehouses: any[]; carts: any[] }>) {
      merchant.warehouses[0].inventory.pollSeconds = 1;
      for (const cart of merchant.carts) {
        cart.schedule = "* * * * * *";
        if (cart.orders) cart.orders.pollSeconds = 1;
      }
    }
  });
  MERCHANTS.forEach((id, i) => {
    s.write(
      `in/${id}/wms/east/a.csv`,
      `sku,quantity_available,quantity_on_hand,lot,as_of\nA,${10 + i},,,${T}\nB,4,,,${T}\n`,
    );
    s.write(
      `in/${id}/wms/east/b.csv`,
      `sku,quantity_available,quantity_on_hand,lot,as_of\nB,${7 + i},,,2026-11-20T07:00:00Z\n`,
    );
    s.write(
      `in/${id}/orders/shop/o.csv`,
      `order_id,line,sku,quantity,ordered_at,status\n1,1,A,${1 + i},2026-11-20T08:00:00Z,open\n`,
    );
  });
  return s;
}

/** each cart's newest delivered file, by merchant/cart */
function newestFiles(s: Scenario): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const m of MERCHANTS)
    for (const k of CARTS) {
      let names: string[] = [];
      try {
        names = readdirSync(s.path("out", m, k)).sort();
      } catch {
        /* none yet */
      }
      out[`${m}/${k}`] = names.length ? readFileSync(s.path("out", m, k, names.at(-1)!), "utf8") : null;
    }
  return out;
}

function startWorker(s: Scenario, env: Record<string, string>): ChildProcess {
  const w = spawn(
    process.execPath,
    [CLI, "worker", "--config", s.configPath, "--concurrency", "2", "--expire-seconds", "4", "--retry-seconds", "1"],
    { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] },
  );
  w.stderr!.on("data", () => undefined);
  workers.push(w);
  return w;
}

describe.skipIf(!postgres)("stockfeed worker: jobs from a queue in the PostgreSQL state", () => {
  it.each(["load:mid-parse", "collect:after-load", "sync:mid-render", "deliver:before-rename"])(
    "three merchants; a worker killed at %s, two more take over: every cart ends as one single-process run sends it",
    async (point) => {
      const single = deployment({ state: "state/stockfeed.sqlite" });
      const r = spawnSync(process.execPath, [CLI, "run", "--config", single.configPath], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const expected = newestFiles(single);
      expect(Object.values(expected).every((f) => f !== null)).toBe(true);

      const db = await freshDatabase();
      const env = { WORKER_TEST_PW: db.password! };
      const multi = deployment({ state: db.url, statePasswordEnv: "WORKER_TEST_PW" });
      // the first worker alone, until it is killed in the middle of a job (a SIGKILL at the fault point)
      const doomed = startWorker(multi, { ...env, STOCKFEED_FAULT: point });
      const died = await new Promise<string | null>((resolve) => doomed.on("exit", (_code, signal) => resolve(signal)));
      expect(died).toBe("SIGKILL");
      startWorker(multi, env);
      startWorker(multi, env);
      const until = Date.now() + 60_000;
      while (JSON.stringify(newestFiles(multi)) !== JSON.stringify(expected) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 500));
      expect(newestFiles(multi)).toEqual(expected);
      // every input loaded once: each file of each merchant once in the ledger, none a duplicate
      const { session, close } = await stateSession({ kind: "postgres", url: db.url });
      try {
        const loaded = await session.all<{ merchant: string; name: string; n: number }>(
          "SELECT merchant, name, COUNT(*) AS n FROM files GROUP BY merchant, name ORDER BY merchant, name",
        );
        expect(loaded).toEqual(
          MERCHANTS.flatMap((m) => ["a.csv", "b.csv", "o.csv"].map((name) => ({ merchant: m, name, n: 1 }))),
        );
      } finally {
        await close();
      }
    },
    120_000,
  );
});
