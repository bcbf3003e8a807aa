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
import { SqliteStore } from "./sqlite/store.js";

export * from "./types.js";
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

/** Opens (or creates) the state at `path` (a SQLite file). */
export async function openStore(path: string): Promise<Store> {
  return SqliteStore.open(path);
}
