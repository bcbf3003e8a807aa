/**
 * stockfeed's state, behind one interface: the stages call its slices, never SQL. Every
 * method returns a promise, so that a store on a server (PostgreSQL) fits the same callers;
 * the SQLite one answers at once. Each
 * slice is one concern (the file ledger; inventory and orders; the carts' computation, sent
 * lines and outbox; X12 control numbers, interchanges and acks; product sync) and `queries`
 * holds the read models operators see. The SQLite implementation is in sqlite/; nothing
 * outside it sees a connection or a table.
 */
import type { Carts as SharedCarts } from "./sql/carts.js";
import type { Inventory as SharedInventory } from "./sql/inventory.js";
import type { Edi as SharedEdi } from "./sql/edi.js";
import type { Ledger as SharedLedger } from "./sql/ledger.js";
import type { Products as SharedProducts } from "./sql/products.js";
import type { Queries as SharedQueries } from "./sql/queries.js";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import type { PgTarget } from "./postgres/connect.js";
import { StateLock } from "./lock.js";
import { SqliteStore } from "./sqlite/store.js";
import { isPostgresUrl, type StateTarget } from "./target.js";

export * from "./types.js";
export type { StateTarget } from "./target.js";
export type { CartLines } from "./sql/cart-lines.js";
export type { RenderedFile } from "./sql/carts.js";
export type { ProductSyncRow, ProductSyncOptions } from "./sql/queries/product-sync.js";
export type { LocationRow, ProductSummaryRow, SkuPage } from "./sql/queries/locations.js";
export type { RunFilter, RunList, RunRow } from "./sql/queries.js";
export type {
  CartStatus,
  FileRow,
  OutboxFile,
  ProductFileWaiting,
  WarehouseStatus,
  SkuSearch,
  SearchedCart,
} from "./sql/queries/reports.js";

/** The public face of a slice: its methods, not how it keeps its connection. */
type Face<T> = Pick<T, keyof T>;

export type Ledger = Face<SharedLedger>;
export type Inventory = Face<SharedInventory>;
export type Carts = Face<SharedCarts>;
export type Edi = Face<SharedEdi>;
export type Products = Face<SharedProducts>;
export type Queries = Face<SharedQueries>;

export interface Store {
  readonly ledger: Ledger;
  readonly inventory: Inventory;
  readonly carts: Carts;
  readonly edi: Edi;
  readonly products: Products;
  readonly queries: Queries;
  /** `fn` in one transaction: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** a transaction around async work (a file streamed into the state): commit or rollback closes it */
  begin(): Promise<void>;
  commit(): Promise<void>;
  /** rolls back the open transaction, if one is open */
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the state: a SQLite file (created where missing) or a PostgreSQL database (its
 * schema brought up to date). A dry run's store keeps nothing: a throwaway copy of the SQLite
 * file, or a PostgreSQL transaction rolled back at close().
 */
export async function openStore(
  state: StateTarget | string,
  opts: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<Store> {
  if (typeof state === "string" && isPostgresUrl(state))
    throw new Error("openStore takes a PostgreSQL state as the config's state target, not as a path");
  const target: StateTarget = typeof state === "string" ? { kind: "sqlite", path: state } : state;
  if (target.kind === "postgres") {
    const { PgStore } = await import("./postgres/store.js");
    return PgStore.open(pgTarget(target, opts.env ?? process.env), { dryRun: opts.dryRun });
  }
  if (!opts.dryRun) return SqliteStore.open(target.path);
  const dir = await mkdtemp(join(tmpdir(), "stockfeed-dry-run-"));
  const copy = join(dir, "state.sqlite");
  if (existsSync(target.path)) await copyFile(target.path, copy);
  const store = SqliteStore.open(copy);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  };
  return store;
}

/** The connection target of a PostgreSQL state, its password read from the environment variable the config names. */
export function pgTarget(t: Extract<StateTarget, { kind: "postgres" }>, env: NodeJS.ProcessEnv): PgTarget {
  if (!t.passwordEnv) return { url: t.url };
  const password = env[t.passwordEnv];
  if (password === undefined)
    throw new ConfigError(
      `statePasswordEnv names ${t.passwordEnv}, which is not set: the PostgreSQL state's password goes there`,
    );
  return { url: t.url, password };
}

/**
 * One process works on a state's merchants at a time: the SQLite file's lock beside it, or
 * on PostgreSQL an advisory lock per merchant (so that runs of other merchants go on).
 */
export async function acquireStateLock(
  state: StateTarget,
  merchants: readonly string[],
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ release(): Promise<void> }> {
  if (state.kind === "sqlite") {
    const lock = StateLock.acquire(state.path, command);
    return { release: async () => lock.release() };
  }
  const { MerchantLocks } = await import("./postgres/locks.js");
  return MerchantLocks.acquire(pgTarget(state, env), merchants, command);
}
