/**
 * The run-level suites run once per store (vitest.config.ts): this proves a Scenario's runs
 * really keep their state where the project says, so a suite that passes on "postgres" passed
 * on PostgreSQL.
 */
import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { loadConfig } from "../src/config/load.js";
import { Scenario } from "./helpers/scenario.js";
import { postgres, scenarioStore } from "./helpers/stores.js";

let s: Scenario;
afterEach(() => s?.cleanup());

describe(`the run-level suites keep their state on ${scenarioStore}`, () => {
  it("a Scenario's run writes its files' ledger to the project's store", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", ["A-1,5,5,,"]);
    await s.run();
    const config = loadConfig(s.configPath);
    expect(config.state.kind).toBe(scenarioStore);
    expect((await s.files()).map((f) => f.name)).toEqual(["a.csv"]);
    if (config.state.kind !== "postgres") return;
    // read straight from the database, not through the store
    const url = new URL(config.state.url);
    url.password = postgres!.password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const r = await client.query("SELECT name FROM files");
      expect(r.rows.map((x) => x.name)).toEqual(["a.csv"]);
    } finally {
      await client.end();
    }
  });
});
