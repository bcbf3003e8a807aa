/**
 * What an operator must be able to see (DOMAIN.md), read from recorded state only.
 */
import type { LoadedConfig } from "../../../config/load.js";
import type { Db } from "../slice.js";

export interface WarehouseStatus {
  merchant: string;
  inventorySync: string;
  warehouse: string;
  /** N/A when never run */
  lastRun:
    | { at: number; file: string; status: string; rows: number; rejected: number; stale: number; error: string | null }
    | "N/A";
}

export interface CartStatus {
  merchant: string;
  cart: string;
  inventoryUpload: boolean;
  /** at: when the file was made; deliveredAt: when it was published (later when it waited in the outbox) */
  lastSync: { at: number; deliveredAt: number; file: string; rows: number; units: number; reason: string } | "NEVER";
  lastAttempt: { at: number; status: string; error: string | null } | null;
  /** files rendered but not delivered yet: they wait in the outbox and are retried as they are */
  waitingInOutbox: number;
}

/** A file in the ledger: taken from a feed, with what became of it. */
export interface FileRow {
  id: number;
  source: string;
  kind: string;
  name: string;
  takenAt: number;
  status: string;
  rowsRead: number;
  rowsRejected: number;
  rowsStale: number;
  error: string | null;
  /** where it is kept: the archive, or the quarantine */
  storedAt: string | null;
}

/** The merchants' files in the ledger, in the order they were taken (History, a file's page). */
export function* fileRows(db: Db, merchants: string[]): Generator<FileRow> {
  const q = db.prepare(
    `SELECT id, source, kind, name, taken_at AS takenAt, status, rows_read AS rowsRead, rows_rejected AS rowsRejected,
            rows_stale AS rowsStale, error, stored_at AS storedAt
     FROM files WHERE merchant = ? ORDER BY id`,
  );
  for (const m of merchants) yield* q.iterate(m) as IterableIterator<FileRow>;
}

/** A product file for a WMS that waits in the outbox (its delivery failed; it goes first on the next run). */
export interface ProductFileWaiting {
  merchant: string;
  warehouse: string;
  cart: string;
  file: string;
  products: number;
  madeAt: number;
  attempts: number;
  error: string | null;
}

/** Product files waiting in the outbox, for the config's merchants, oldest first. */
export function productFilesWaiting(db: Db, config: LoadedConfig): ProductFileWaiting[] {
  const q = db.prepare(
    `SELECT merchant, warehouse, cart, name AS file, products, created_at AS madeAt, attempts, error
     FROM product_files WHERE merchant = ? AND status = 'pending' ORDER BY id`,
  );
  return config.merchants.flatMap((m) => q.all(m.config.id) as ProductFileWaiting[]);
}

export function warehouseStatus(db: Db, config: LoadedConfig): WarehouseStatus[] {
  const q = db.prepare(
    `SELECT taken_at AS at, name AS file, status, rows_read AS rows, rows_rejected AS rejected, rows_stale AS stale,
       error
     FROM files WHERE merchant = ? AND kind = 'inventory' AND warehouse = ? AND status <> 'duplicate'
        ORDER BY id DESC LIMIT 1`,
  );
  return config.merchants.flatMap((m) =>
    m.warehouses.map((w) => ({
      merchant: m.config.id,
      inventorySync: m.config.inventorySync,
      warehouse: w.config.id,
      lastRun: (q.get(m.config.id, w.config.id) as Exclude<WarehouseStatus["lastRun"], "N/A"> | undefined) ?? "N/A",
    })),
  );
}

export function cartStatus(db: Db, config: LoadedConfig): CartStatus[] {
  const last = db.prepare(
    `SELECT s.synced_at AS at, COALESCE(s.delivered_at, s.synced_at) AS deliveredAt, s.file_name AS file, s.rows,
       s.units, s.reason
     FROM cart_state c JOIN cart_syncs s ON s.id = c.last_sync_id
     WHERE c.merchant = ? AND c.cart = ?`,
  );
  const pendingCount = db
    .prepare("SELECT COUNT(*) FROM cart_syncs WHERE status = 'pending' AND merchant = ? AND cart = ?")
    .pluck();
  const attempt = db.prepare(
    "SELECT synced_at AS at, status, error FROM cart_syncs WHERE merchant = ? AND cart = ? ORDER BY id DESC LIMIT 1",
  );
  return config.merchants.flatMap((m) =>
    m.carts.map((k) => ({
      merchant: m.config.id,
      cart: k.config.id,
      inventoryUpload: k.config.inventoryUpload,
      lastSync: (last.get(m.config.id, k.config.id) as Exclude<CartStatus["lastSync"], "NEVER"> | undefined) ?? "NEVER",
      lastAttempt: (attempt.get(m.config.id, k.config.id) as CartStatus["lastAttempt"] | undefined) ?? null,
      waitingInOutbox: pendingCount.get(m.config.id, k.config.id) as number,
    })),
  );
}

export interface SkuSearch {
  code: string;
  asSku: Array<{
    merchant: string;
    warehouse: string;
    available: number;
    onHand: number | null;
    asOf: number;
    loadedAt: number;
  }>;
  aliasesOfSku: Array<{ merchant: string; aliasType: string; code: string }>;
  asAlias: Array<{ merchant: string; aliasType: string; sku: string }>;
  /** the error the seed warns about: one alias code on several products */
  duplicateAlias: Array<{ merchant: string; aliasType: string; skus: string[] }>;
  inCatalogs: Array<{ merchant: string; cart: string; inventoryEnabled: boolean }>;
  lastSent: Array<{ merchant: string; cart: string; code: string; quantity: number; at: number }>;
}

/** A cart `sku` looks in: its code may be the SKU itself or the SKU's code of the cart's alias type. */
export interface SearchedCart {
  merchant: string;
  cart: string;
  alias: string | null;
}

export function searchSku(db: Db, code: string, carts: SearchedCart[]): SkuSearch {
  const asAlias = db
    .prepare(
      "SELECT merchant, alias_type AS aliasType, sku FROM aliases WHERE code = ? ORDER BY merchant, alias_type, sku",
    )
    .all(code) as SkuSearch["asAlias"];
  const groups = new Map<string, { merchant: string; aliasType: string; skus: string[] }>();
  for (const a of asAlias) {
    const key = `${a.merchant}\u0000${a.aliasType}`;
    const g = groups.get(key) ?? { merchant: a.merchant, aliasType: a.aliasType, skus: [] };
    g.skus.push(a.sku);
    groups.set(key, g);
  }
  return {
    code,
    asSku: db
      .prepare(
        `SELECT merchant, warehouse, available, on_hand AS onHand, as_of AS asOf, loaded_at AS loadedAt
           FROM inventory WHERE sku = ? ORDER BY merchant, warehouse`,
      )
      .all(code) as SkuSearch["asSku"],
    aliasesOfSku: db
      .prepare(
        "SELECT merchant, alias_type AS aliasType, code FROM aliases WHERE sku = ? ORDER BY merchant, alias_type, code",
      )
      .all(code) as SkuSearch["aliasesOfSku"],
    asAlias,
    duplicateAlias: [...groups.values()].filter((g) => g.skus.length > 1),
    inCatalogs: (
      db
        .prepare("SELECT merchant, cart, inventory_enabled AS e FROM catalog WHERE sku = ? ORDER BY merchant, cart")
        .all(code) as Array<{ merchant: string; cart: string; e: number }>
    ).map((r) => ({ merchant: r.merchant, cart: r.cart, inventoryEnabled: r.e === 1 })),
    lastSent: lastSentIn(db, code, carts),
  };
}

/**
 * Per cart, what it was last sent for the code (or for the SKU's alias codes): key lookups, never a scan of every line.
 */
function lastSentIn(db: Db, code: string, carts: SearchedCart[]): SkuSearch["lastSent"] {
  const sent = db.prepare(
    "SELECT merchant, cart, code, quantity, synced_at AS at FROM sku_sync WHERE merchant = ? AND cart = ? AND code = ?",
  );
  const aliasCodes = db
    .prepare("SELECT code FROM aliases WHERE merchant = ? AND sku = ? AND alias_type = ? ORDER BY code")
    .pluck();
  const out: SkuSearch["lastSent"] = [];
  for (const c of carts) {
    const codes = new Set([code, ...(c.alias ? (aliasCodes.all(c.merchant, code, c.alias) as string[]) : [])]);
    for (const k of codes) out.push(...(sent.all(c.merchant, c.cart, k) as SkuSearch["lastSent"]));
  }
  return out;
}

/** A file of the outbox, whatever its kind, as the one outbox ledger shows it. */
export interface OutboxFile {
  kind: "cart" | "products" | "ack";
  merchant: string;
  /** the cart, the warehouse (product files) or the feed (acknowledgments) it goes to */
  owner: string;
  id: number;
  name: string;
  status: "pending" | "delivered" | "lost";
  attempts: number;
  madeAt: number;
  deliveredAt: number | null;
  location: string | null;
  /** the last failed attempt's error (a delivered file has none) */
  error: string | null;
}

/** The outbox of the merchants, oldest first: every file made to be delivered, of every kind. */
export function outboxFiles(
  db: Db,
  merchants: string[],
  filter: { kind?: OutboxFile["kind"]; owner?: string; status?: OutboxFile["status"] } = {},
): OutboxFile[] {
  const q = db.prepare(
    `SELECT kind, merchant, owner, id, name, status, attempts, made_at AS madeAt, delivered_at AS deliveredAt,
       location, error
     FROM outbox_files WHERE merchant = @merchant AND (@kind IS NULL OR kind = @kind)
       AND (@owner IS NULL OR owner = @owner) AND (@status IS NULL OR status = @status)
     ORDER BY made_at, kind, id`,
  );
  const f = { kind: null, owner: null, status: null, ...filter };
  return merchants.flatMap((merchant) => q.all({ merchant, ...f }) as OutboxFile[]);
}
