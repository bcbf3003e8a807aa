import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import Papa from "papaparse";
import { loadConfig } from "../../src/config/load.js";
import { runOnce, type RunOptions, type RunReport } from "../../src/pipeline.js";
import type { LoadedConfig } from "../../src/config/load.js";
import type { ExplainFacts } from "../../src/domain/explain.js";
import { dumpState, freshDatabaseSync, scenarioStore, stateSession } from "./stores.js";
import { collect } from "../../src/util/iterate.js";
import {
  openStore,
  type FileRow,
  type LocationRow,
  type OutboxFile,
  type ProductSyncRow,
  type Store,
} from "../../src/state/store.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const MAPPINGS = join(ROOT, "mappings");
export const SAMPLES = join(ROOT, "samples");

export interface CartSpec {
  id: string;
  warehouse?: string;
  alias?: string | null;
  minimumLevel?: number;
  buffer?: number;
  percent?: number;
  maximum?: number | null;
  sendAll?: boolean;
  inventoryUpload?: boolean;
  orders?: boolean;
  catalog?: boolean;
  filename?: string;
}

export interface ScenarioSpec {
  merchant?: string;
  inventorySync?: "on" | "off" | "automatic";
  warehouses?: Array<{ id: string; snapshot?: "partial" | "full" }>;
  carts?: CartSpec[];
  aliases?: boolean;
  /** extra top-level keys or overrides, merged into the config as written */
  patch?: (config: Record<string, unknown>) => void;
}

export const INVENTORY_HEADER = "sku,quantity_available,quantity_on_hand,lot,as_of";
export const ORDERS_HEADER = "order_id,line,sku,quantity,ordered_at,status";

/** the password of the test PostgreSQL, for runs in this process and the CLIs it spawns */
export const TEST_PG_PASSWORD_ENV = "STOCKFEED_TEST_PG_PASSWORD";

/**
 * The config's state: a SQLite file in the folder, or in the postgres project a fresh
 * database of the test server (its password in the environment, as a deployment keeps it).
 */
export function scenarioState(): Record<string, string> {
  if (scenarioStore === "sqlite") return { state: "state/stockfeed.sqlite" };
  const db = freshDatabaseSync();
  process.env[TEST_PG_PASSWORD_ENV] = db.password;
  return { state: db.url, statePasswordEnv: TEST_PG_PASSWORD_ENV };
}

/** A temp folder with a config, drop folders and a real state (a SQLite file, or a PostgreSQL database). */
export class Scenario {
  readonly dir: string;
  readonly configPath: string;
  readonly merchant: string;
  private clock = Date.parse("2026-11-20T00:00:00Z") / 1000;

  constructor(spec: ScenarioSpec = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "stockfeed-test-"));
    this.merchant = spec.merchant ?? "acme";
    const warehouses = spec.warehouses ?? [{ id: "east" }];
    const carts = spec.carts ?? [{ id: "shop", orders: true }];
    const feed = (dir: string, mapping: string) => ({
      source: { transport: "local", dir, match: "*.csv" },
      mapping: join(MAPPINGS, mapping),
    });
    const config: Record<string, unknown> = {
      ...scenarioState(),
      workDir: "work",
      merchants: [
        {
          id: this.merchant,
          inventorySync: spec.inventorySync ?? "on",
          ...(spec.aliases ? { aliases: feed("in/aliases", "aliases/generic-csv.yaml") } : {}),
          warehouses: warehouses.map((w) => ({
            id: w.id,
            snapshot: w.snapshot ?? "partial",
            inventory: feed(`in/wms/${w.id}`, "wms/generic-csv.yaml"),
          })),
          carts: carts.map((c) => ({
            id: c.id,
            warehouse: c.warehouse ?? "all",
            alias: c.alias ?? null,
            minimumLevel: c.minimumLevel ?? 0,
            buffer: c.buffer ?? 0,
            percent: c.percent ?? 100,
            maximum: c.maximum ?? null,
            sendAll: c.sendAll ?? false,
            inventoryUpload: c.inventoryUpload ?? true,
            ...(c.orders ? { orders: feed(`in/orders/${c.id}`, "orders/generic-csv.yaml") } : {}),
            ...(c.catalog ? { catalog: feed(`in/catalog/${c.id}`, "catalog/generic-csv.yaml") } : {}),
            output: {
              mapping: join(MAPPINGS, "carts/generic-csv.yaml"),
              destination: { transport: "local", dir: `out/${c.id}` },
              filename: c.filename ?? "{cart}-{seq:4}.csv",
            },
          })),
        },
      ],
    };
    spec.patch?.(config);
    this.configPath = join(this.dir, "stockfeed.yaml");
    writeFileSync(this.configPath, stringify(config));
  }

  /** Changes the written config (after construction): `fn` edits it in place. */
  patch(fn: (config: Record<string, unknown>) => void): void {
    const config = parse(readFileSync(this.configPath, "utf8")) as Record<string, unknown>;
    fn(config);
    writeFileSync(this.configPath, stringify(config));
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Writes a file with a modification time later than every file written before it. */
  write(rel: string, content: string, mtime?: string): string {
    const p = this.path(rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    const t = mtime ? Date.parse(mtime) / 1000 : (this.clock += 60);
    utimesSync(p, t, t);
    return p;
  }

  inventory(warehouse: string, name: string, lines: string[], opts: { header?: string; mtime?: string } = {}): string {
    return this.write(
      `in/wms/${warehouse}/${name}`,
      [opts.header ?? INVENTORY_HEADER, ...lines].join("\n") + "\n",
      opts.mtime,
    );
  }
  orders(cart: string, name: string, lines: string[]): string {
    return this.write(`in/orders/${cart}/${name}`, [ORDERS_HEADER, ...lines].join("\n") + "\n");
  }
  aliases(name: string, lines: string[]): string {
    return this.write(`in/aliases/${name}`, ["sku,alias_type,code", ...lines].join("\n") + "\n");
  }
  catalog(cart: string, name: string, lines: string[]): string {
    return this.write(`in/catalog/${cart}/${name}`, ["sku,inventory_enabled", ...lines].join("\n") + "\n");
  }

  async run(options: RunOptions = {}): Promise<RunReport> {
    return runOnce(loadConfig(this.configPath), options);
  }

  /** Names of the files delivered to a cart, oldest first. */
  outputs(cart: string): string[] {
    try {
      return readdirSync(this.path("out", cart)).sort();
    } catch {
      return [];
    }
  }

  /** The newest file delivered to a cart, as { code: quantity }. */
  latest(cart: string): Record<string, number> {
    const names = this.outputs(cart);
    if (names.length === 0) throw new Error(`no file delivered to ${cart}`);
    const text = readFileSync(this.path("out", cart, names[names.length - 1]), "utf8");
    const rows = Papa.parse<string[]>(text.trim(), { delimiter: "," }).data;
    return Object.fromEntries(rows.slice(1).map(([code, q]) => [code, Number(q)]));
  }

  /** Reads the state through the Store's interface, as the CLI does. */
  async read<T>(fn: (store: Store, config: LoadedConfig) => Promise<T>): Promise<T> {
    const config = loadConfig(this.configPath);
    const store = await openStore(config.state);
    try {
      return await fn(store, config);
    } finally {
      await store.close();
    }
  }

  /** One warehouse's levels (Locations & Products), SKU by SKU. */
  levels(warehouse = "east"): Promise<LocationRow[]> {
    return this.read((store) => collect(store.queries.locationRows(warehouse, [this.merchant])));
  }

  /** The files in the ledger, in the order taken. */
  files(): Promise<FileRow[]> {
    return this.read((store) => collect(store.queries.files([this.merchant])));
  }

  /** What explain knows of a code for a cart: its levels, stale records, order lines... */
  facts(cart: string, code: string): Promise<ExplainFacts> {
    return this.read((store, config) => {
      const k = config.merchants.flatMap((m) => m.carts).find((c) => c.config.id === cart)!;
      return store.queries.explainFacts(config, k, code, Date.now());
    });
  }

  /** View Product Sync of a cart: each code with its last sync and last quantity. */
  productSync(cart: string): Promise<ProductSyncRow[]> {
    return this.read((store, config) => {
      const k = config.merchants.flatMap((m) => m.carts).find((c) => c.config.id === cart)!;
      return collect(store.queries.productSync(k));
    });
  }

  /** The outbox ledger of the merchant: every file made to be delivered, of every kind. */
  outbox(filter: { kind?: "cart" | "products" | "ack"; owner?: string } = {}): Promise<OutboxFile[]> {
    return this.read((store) => store.queries.outbox([this.merchant], filter));
  }

  /** What the cart was last sent of each code (View Product Sync with explain's file name), in code order. */
  async lastSent(cart: string): Promise<Array<{ code: string; quantity: number; file: string }>> {
    return this.read(async (store, config) => {
      const k = config.merchants.flatMap((m) => m.carts).find((c) => c.config.id === cart)!;
      const out: Array<{ code: string; quantity: number; file: string }> = [];
      for await (const row of store.queries.productSync(k)) {
        if (row.lastCartSyncAt === "NEVER") continue;
        const sent = (await store.queries.explainFacts(config, k, row.sku, Date.now())).lastSentOfCode!;
        out.push({ code: row.sku, quantity: sent.quantity, file: sent.file });
      }
      return out;
    });
  }

  /** A statement run on the state itself, past the Store (a test that tampers with a record). */
  async sqlRun(statement: string, params: unknown[] = []): Promise<void> {
    const { session, close } = await stateSession(loadConfig(this.configPath).state);
    try {
      await session.run(statement, params);
    } finally {
      await close();
    }
  }

  /** Every table of the state with its rows: equal dumps, equal states. */
  stateDump(): Promise<Record<string, unknown[]>> {
    return dumpState(loadConfig(this.configPath).state);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every file below a folder with its bytes: for "nothing changed on disk" checks. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(dir.length)] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}
