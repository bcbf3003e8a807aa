import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { compileInputMapping, compileOutputMapping } from "../../src/mapping/compile.js";
import { MAPPINGS, ROOT } from "../helpers/scenario.js";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "stockfeed-config-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const good = (extra = "") => `state: state.sqlite
workDir: work
merchants:
  - id: acme
    warehouses:
      - id: east
        inventory:
          source: { transport: local, dir: in/east }
          mapping: ${MAPPINGS}/wms/generic-csv.yaml
    carts:
      - id: shop
        warehouse: east
        output:
          mapping: ${MAPPINGS}/carts/generic-csv.yaml
          destination: { transport: local, dir: out }
${extra}`;

function problems(text: string, name = "c.yaml"): string[] {
  writeFileSync(join(dir, name), text);
  try {
    loadConfig(join(dir, name));
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("configuration is validated before anything moves", () => {
  it("loads the demo config", () => {
    const c = loadConfig(join(ROOT, "config/demo.yaml"));
    expect(c.merchants[0].carts.map((k) => k.config.id)).toEqual([
      "webshop",
      "market",
      "outlet",
      "shopify",
      "retailer",
    ]);
  });
  it("resolves relative paths against the config file's folder", () => {
    writeFileSync(join(dir, "c.yaml"), good());
    const c = loadConfig(join(dir, "c.yaml"));
    expect(c.statePath).toBe(join(dir, "state.sqlite"));
    expect(c.merchants[0].warehouses[0].config.inventory.source.dir).toBe(join(dir, "in/east"));
  });
  it("applies the documented defaults to a cart", () => {
    writeFileSync(join(dir, "c.yaml"), good());
    expect(loadConfig(join(dir, "c.yaml")).merchants[0].carts[0].config).toMatchObject({
      inventoryUpload: true,
      alias: null,
      minimumLevel: 0,
      buffer: 0,
      percent: 100,
      maximum: null,
      sendAll: false,
      schedule: "0 * * * *",
      timeZone: "UTC",
    });
  });
  it("names an unknown time zone at its own key, not as a bad schedule", () => {
    const p = problems(good().replace("warehouse: east", "warehouse: east\n        timeZone: Mars/Base"));
    expect(p).toEqual([
      expect.stringMatching(/carts\[0\]\.timeZone: unknown time zone "Mars\/Base": use an IANA name/),
    ]);
    expect(problems(good().replace("warehouse: east", "warehouse: east\n        timeZone: America/New_York"))).toEqual(
      [],
    );
  });
  it("refuses a merchant id the work folder keeps for itself (its outbox would share folders with product files or acks)", () => {
    for (const id of ["products", "acks"]) {
      const p = problems(good().replace("  - id: acme", `  - id: ${id}`));
      expect(p).toEqual([
        expect.stringMatching(/merchants\[0\]\.id.*kept for the work folder's own use.*choose another/),
      ]);
    }
  });
  it("names an unknown key with its path and line", () => {
    const p = problems(
      good().replace("        warehouse: east\n", "        warehouse: east\n        minimumLevl: 5\n"),
    );
    expect(p).toEqual([
      `${join(dir, "c.yaml")}:13: merchants[0].carts[0].minimumLevl: unknown key (check its spelling and place)`,
    ]);
  });
  it("names a cart pointing at a missing warehouse", () => {
    const p = problems(good().replace("warehouse: east", "warehouse: west"));
    expect(p).toEqual([
      `${join(dir, "c.yaml")}:12: merchants[0].carts[0].warehouse: no warehouse "west" in merchant acme (warehouses: east, or all)`,
    ]);
  });
  it("refuses two carts of one merchant with the same id", () => {
    const twice =
      good() +
      `      - id: shop\n        output:\n          mapping: ${MAPPINGS}/carts/generic-csv.yaml\n          destination: { transport: local, dir: out2 }\n`;
    expect(problems(twice)).toEqual([
      `${join(dir, "c.yaml")}:16: merchants[0].carts[1].id: cart id "shop" is used twice in merchant acme`,
    ]);
  });
  it("names a wrong type with its line", () => {
    const p = problems(good().replace("warehouse: east", "warehouse: east\n        minimumLevel: five"));
    expect(p[0]).toMatch(/c\.yaml:13: merchants\[0\]\.carts\[0\]\.minimumLevel: .*number/);
  });
  it("refuses percent over 100 and fractional settings", () => {
    expect(problems(good().replace("warehouse: east", "warehouse: east\n        percent: 150"))[0]).toMatch(/percent/);
    expect(problems(good().replace("warehouse: east", "warehouse: east\n        buffer: 1.5"))[0]).toMatch(/buffer/);
  });
  it("refuses a cart that pushes by alias when the merchant has no alias list", () => {
    expect(problems(good().replace("warehouse: east", "warehouse: east\n        alias: upc"))[0]).toMatch(
      /carts\[0\]\.alias: .*no aliases source/,
    );
  });
  it("refuses a YAML syntax error with its line", () => {
    expect(problems("state: a\nmerchants: [\n")[0]).toMatch(/c\.yaml:\d+: /);
  });
  it("refuses two sources on the same folder and match", () => {
    const p = problems(
      good().replace(
        "        warehouse: east\n",
        "        warehouse: east\n        orders:\n          source: { transport: local, dir: in/east }\n          mapping: " +
          MAPPINGS +
          "/orders/generic-csv.yaml\n",
      ),
    );
    expect(p[0]).toMatch(/carts\[0\]\.orders\.source: the same folder and match/);
  });
  it("refuses ids that would escape their folders", () => {
    expect(problems(good().replace("- id: east", "- id: ../../etc"))[0]).toMatch(
      /c\.yaml:6: merchants\[0\]\.warehouses\[0\]\.id: use letters, digits/,
    );
    expect(problems(good().replace("- id: acme", "- id: a/b"))[0]).toMatch(/merchants\[0\]\.id: use letters/);
  });
  it("refuses a file name that is a path, a dot file, or has an unknown placeholder", () => {
    const withName = (n: string) =>
      good().replace(
        "destination: { transport: local, dir: out }",
        `destination: { transport: local, dir: out }\n          filename: "${n}"`,
      );
    expect(problems(withName("../x-{seq}.csv"))[0]).toMatch(/output\.filename: a file name, not a path/);
    expect(problems(withName(".x-{seq}.csv"))[0]).toMatch(/output\.filename: a file name, not a path/);
    expect(problems(withName("{merchant}-{date}.csv"))[0]).toMatch(
      /output\.filename: unknown placeholder\(s\) \{date\}/,
    );
    expect(problems(withName("{merchant}-{cart}-{timestamp}-{seq:6}.csv"))).toEqual([]);
  });
  it("reports every problem at once", () => {
    const p = problems(
      good().replace("warehouse: east", "warehouse: west\n        schedule: nope\n        colour: red"),
    );
    expect(p).toHaveLength(1); // strict schema errors come first, alone
    const q = problems(good().replace("warehouse: east", "warehouse: west\n        schedule: nope"));
    expect(q).toHaveLength(2);
  });
});

describe("a bad mapping is a clear error before any data moves", () => {
  const mapping = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  it("names the mapping file, the line and the field", () => {
    const m = mapping(
      "m.yaml",
      "kind: inventory\nformat: csv\nfields:\n  sku: { column: sku }\n  availabel: { column: qty }\n",
    );
    const p = problems(good().replace(`${MAPPINGS}/wms/generic-csv.yaml`, m));
    expect(p[0]).toMatch(/warehouses\[0\]\.inventory\.mapping: mapping .*m\.yaml#inventory is invalid:/);
    expect(p.join("\n")).toContain(`${m}:5: fields.availabel: inventory records have no field "availabel"`);
    expect(p.join("\n")).toContain(`required field "available" is not mapped`);
  });
  it("refuses a mapping of the wrong kind in a place", () => {
    const p = problems(good().replace(`${MAPPINGS}/wms/generic-csv.yaml`, `${MAPPINGS}/orders/generic-csv.yaml`));
    expect(p.join("\n")).toMatch(/needs a mapping of kind inventory, this one is orders/);
  });
  it("refuses an unknown time zone and a date pattern without one", () => {
    const m = mapping(
      "m.yaml",
      "kind: inventory\nformat: csv\nfields:\n  sku: { column: sku }\n  available: { column: q }\n  asOf: { column: t, timeZone: Mars/Olympus }\n",
    );
    expect(problems(good().replace(`${MAPPINGS}/wms/generic-csv.yaml`, m)).join("\n")).toMatch(
      /m\.yaml:6: fields\.asOf\.timeZone: unknown time zone/,
    );
    const n = mapping(
      "n.yaml",
      "kind: inventory\nformat: csv\nfields:\n  sku: { column: sku }\n  available: { column: q }\n  asOf: { column: t, format: MM/dd/yyyy }\n",
    );
    expect(problems(good().replace(`${MAPPINGS}/wms/generic-csv.yaml`, n)).join("\n")).toMatch(/needs a timeZone/);
  });
  it("refuses unknown format options and an output without a quantity", () => {
    const m = mapping(
      "m.yaml",
      "kind: inventory\nformat: csv\ncsv: { delimter: ';' }\nfields:\n  sku: { column: sku }\n  available: { column: q }\n",
    );
    expect(problems(good().replace(`${MAPPINGS}/wms/generic-csv.yaml`, m)).join("\n")).toMatch(
      /m\.yaml:3: csv\.delimter: unknown key/,
    );
    const o = mapping("o.yaml", "kind: cart-inventory\nformat: csv\ncolumns:\n  - { header: sku, field: code }\n");
    expect(problems(good().replace(`${MAPPINGS}/carts/generic-csv.yaml`, o)).join("\n")).toMatch(
      /needs a column with field: quantity/,
    );
  });
  it.each([
    ["wms", "inventory"],
    ["orders", "orders"],
    ["catalog", "catalog"],
    ["aliases", "aliases"],
  ] as const)("compiles the shipped mappings/%s/generic-csv.yaml as %s", (folder, kind) => {
    expect(compileInputMapping(join(MAPPINGS, folder, "generic-csv.yaml"), kind).kind).toBe(kind);
  });
  it("compiles the shipped cart mapping with header sku,quantity", () => {
    expect(compileOutputMapping(join(MAPPINGS, "carts/generic-csv.yaml")).headers).toEqual(["sku", "quantity"]);
  });
});

describe("data must not reach a partner by accident: destinations and folders", () => {
  const twoCarts = (a: string, b: string, dirB = "out") => `state: state.sqlite
workDir: work
merchants:
  - id: acme
    warehouses:
      - id: east
        inventory:
          source: { transport: local, dir: in/east }
          mapping: ${MAPPINGS}/wms/generic-csv.yaml
    carts:
      - id: shop
        output:
          mapping: ${MAPPINGS}/carts/generic-csv.yaml
          destination: { transport: local, dir: out }
          filename: "${a}"
      - id: market
        output:
          mapping: ${MAPPINGS}/carts/generic-csv.yaml
          destination: { transport: local, dir: ${dirB} }
          filename: "${b}"
`;
  it("two carts writing one folder with the same file-name pattern is a config error", () => {
    const p = problems(twoCarts("stock-{seq}.csv", "stock-{seq}.csv")).join("\n");
    expect(p).toMatch(
      /carts\[1\]\.output: cart acme\/market's output writes into the same folder as cart acme\/shop's output/,
    );
    expect(p).toContain('"stock-1.csv"');
  });
  it("patterns that can still meet are caught: a counter beside a literal digit, a folder written two ways", () => {
    expect(problems(twoCarts("a-{seq}.csv", "a-1{seq}.csv")).join("\n")).toMatch(/can be the same/);
    expect(problems(twoCarts("{timestamp}.csv", "{timestamp}.csv", "./out/")).join("\n")).toMatch(/can be the same/);
  });
  it("patterns that differ by their cart, or by a literal part, or folders that differ, are fine", () => {
    expect(problems(twoCarts("{cart}-{seq}.csv", "{cart}-{seq}.csv"))).toEqual([]);
    expect(problems(twoCarts("shop-{seq}.csv", "market-{seq}.csv"))).toEqual([]);
    expect(problems(twoCarts("{seq}.csv", "{seq}.xml"))).toEqual([]);
    expect(problems(twoCarts("{seq}.csv", "{seq}.csv", "out2"))).toEqual([]);
  });
  it("an archiveDir with '..' (leaving the source folder) is refused at config load", () => {
    const p = problems(good().replace("dir: in/east }", "dir: in/east, archiveDir: ../elsewhere }")).join("\n");
    expect(p).toMatch(/archiveDir: no '\.\.' in archiveDir/);
    expect(problems(good().replace("dir: in/east }", "dir: in/east, archiveDir: done/2026 }"))).toEqual([]);
  });
});

describe("stockfeed check: every problem of every phase in one pass", () => {
  it("a schema problem in the config and a broken mapping are reported together", () => {
    const m = join(dir, "bad-mapping.yaml");
    writeFileSync(m, "kind: inventory\nformat: csv\nfields:\n  sku: { column: sku }\n");
    const p = problems(good("    colour: red\n").replace(`${MAPPINGS}/wms/generic-csv.yaml`, m)).join("\n");
    expect(p).toMatch(/unknown key/);
    expect(p).toMatch(/bad-mapping\.yaml is invalid:/);
    expect(p).toMatch(/required field "available" is not mapped/);
  });
});

describe("where the state is: a SQLite file, or PostgreSQL with its password kept out of the YAML", () => {
  const body = good().replace("state: state.sqlite\n", "");
  const load = (head: string, env: NodeJS.ProcessEnv = {}) => {
    writeFileSync(join(dir, "c.yaml"), head + body);
    return loadConfig(join(dir, "c.yaml"), env);
  };
  it("takes a postgres:// URL as it is (no path resolution) and names the password's variable", () => {
    const c = load("state: postgres://stockfeed@db:5432/feeds\nstatePasswordEnv: DB_PW\n");
    expect(c.state).toEqual({ kind: "postgres", url: "postgres://stockfeed@db:5432/feeds", passwordEnv: "DB_PW" });
    expect(c.statePath).toBe("postgres://stockfeed@db:5432/feeds");
  });
  it("takes the URL from the variable stateUrlEnv names, and never prints its password", () => {
    const c = load("stateUrlEnv: STATE_URL\n", { STATE_URL: "postgresql://u:secret@db/feeds" });
    expect(c.state).toEqual({ kind: "postgres", url: "postgresql://u:secret@db/feeds" });
    expect(c.statePath).not.toContain("secret");
  });
  it("refuses a password in the YAML, a missing variable, two places or none, a password variable for SQLite", () => {
    const refused = (head: string) => problems(head + body).join("\n");
    expect(refused("state: postgres://u:secret@db/feeds\n")).toMatch(/carries a password/);
    expect(refused("stateUrlEnv: STOCKFEED_NOT_SET_ANYWHERE\n")).toMatch(
      /STOCKFEED_NOT_SET_ANYWHERE, which is not set/,
    );
    expect(refused("state: s.sqlite\nstateUrlEnv: X\n")).toMatch(/`state` .* or `stateUrlEnv`/);
    expect(refused("")).toMatch(/`state` .* or `stateUrlEnv`/);
    expect(refused("state: s.sqlite\nstatePasswordEnv: X\n")).toMatch(/PostgreSQL state only/);
    expect(refused("state: postgres://u@db/\n")).toMatch(/names no database/);
  });
});
