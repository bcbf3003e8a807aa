/**
 * migrate-state moves a deployment from SQLite to PostgreSQL without losing its ledger,
 * sequences or control numbers: the demo run once on SQLite twice over; one state moved to
 * PostgreSQL; the same next run on each gives the same files, byte for byte (file names with
 * their {seq}, X12 control numbers), and the same read models.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoCopy } from "../helpers/demo.js";
import { ROOT } from "../helpers/scenario.js";
import { freshDatabase, postgres } from "../helpers/stores.js";

const CLI = join(ROOT, "dist/cli/main.js");
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** the demo in a fresh folder (test/helpers/demo.ts), removed after the suite */
function demo(): { dir: string; config: string } {
  const d = demoCopy("stockfeed-migrate-");
  made.push(d.dir);
  return d;
}

function stockfeed(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
}

/** every file delivered or kept under the folder, relative to it (the state aside) */
function delivered(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/stockfeed\.(yaml|sqlite)/.test(e.name)) out[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!postgres)("migrate-state: SQLite to PostgreSQL, nothing lost", () => {
  it("the next run on the moved state sends what the next run on SQLite sends, byte for byte", async () => {
    const [stay, move] = [demo(), demo()];
    for (const d of [stay, move]) stockfeed(["run", "--config", d.config, "--now", "2026-11-23T12:00:00Z"]);
    const target = await freshDatabase();
    const env = { MIGRATE_PW: target.password! };
    const m = stockfeed(
      [
        "migrate-state",
        "--from",
        `sqlite:${join(move.dir, "stockfeed.sqlite")}`,
        "--to",
        target.url,
        "--password-env",
        "MIGRATE_PW",
        "--json",
      ],
      env,
    );
    expect(m.status, m.stderr).toBe(0);
    const tables = JSON.parse(m.stdout).tables as Array<{ table: string; rows: number }>;
    expect(tables.find((t) => t.table === "files")!.rows).toBeGreaterThan(5);
    expect(tables.find((t) => t.table === "x12_control")!.rows).toBeGreaterThan(0);
    // a second migration into the same database is refused: it is not empty any more
    const again = stockfeed(
      [
        "migrate-state",
        "--from",
        join(move.dir, "stockfeed.sqlite"),
        "--to",
        target.url,
        "--password-env",
        "MIGRATE_PW",
      ],
      env,
    );
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/not empty/);

    const yaml = readFileSync(move.config, "utf8").replace(
      /^state: .*$/m,
      `state: ${target.url}\nstatePasswordEnv: MIGRATE_PW`,
    );
    writeFileSync(move.config, yaml);
    // the next hour: new levels in the east warehouse, and the same east file again (a duplicate)
    for (const d of [stay, move]) {
      const east = join(d.dir, "inbox/wms/east");
      writeFileSync(
        join(east, "east-2.csv"),
        readFileSync(join(ROOT, "samples/wms/east/east-inventory-20261120.csv"), "utf8")
          .replaceAll("2026-11-20T06:00:00-05:00", "2026-11-23T12:30:00Z")
          .replace(",20,24,", ",7,24,"),
      );
      utimesSync(
        join(east, "east-2.csv"),
        Date.parse("2026-11-23T12:40:00Z") / 1000,
        Date.parse("2026-11-23T12:40:00Z") / 1000,
      );
      stockfeed(["run", "--config", d.config, "--now", "2026-11-23T13:00:00Z"], env);
    }
    const norm = (d: string, files: Record<string, string>) => JSON.stringify(files).replaceAll(d, "<dir>");
    expect(norm(move.dir, delivered(move.dir))).toEqual(norm(stay.dir, delivered(stay.dir)));
    for (const args of [
      ["status", "--json", "--now", "2026-11-23T13:05:00Z"],
      ["view-sync", "--cart", "webshop", "--json"],
    ]) {
      const a = stockfeed([...args, "--config", stay.config], env);
      const b = stockfeed([...args, "--config", move.config], env);
      expect(b.status, b.stderr).toBe(a.status);
      // (status's daemon line says which store it is on: the rest must be the same)
      const read = (out: string, d: string) => ({ ...JSON.parse(out.replaceAll(d, "<dir>")), daemon: undefined });
      expect(read(b.stdout, move.dir)).toEqual(read(a.stdout, stay.dir));
    }
  }, 120_000);
});
