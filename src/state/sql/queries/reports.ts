/**
 * What an operator must be able to see (DOMAIN.md), read from recorded state only.
 */
import type { LoadedConfig } from "../../../config/load.js";
import type { SqlSession } from "../session.js";

/** files read per query */
const PAGE = 2000;

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

/** The merchants' files in the ledger, in the order they were taken (History, a file's page), a page at a time. */
export async function* fileRows(sql: SqlSession, merchants: string[]): AsyncGenerator<FileRow> {
  const q = `SELECT id, source, kind, name, taken_at AS "takenAt", status, rows_read AS "rowsRead",
       rows_rejected AS "rowsRejected", rows_stale AS "rowsStale", error, stored_at AS "storedAt"
     FROM files WHERE merchant = ? AND id > ? ORDER BY id LIMIT ${PAGE}`;
  for (const m of merchants) {
    let after = 0;
    for (;;) {
      const rows = await sql.all<FileRow>(q, [m, after]);
      yield* rows;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].id;
    }
  }
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
export async function productFilesWaiting(sql: SqlSession, config: LoadedConfig): Promise<ProductFileWaiting[]> {
  const q = `SELECT merchant, warehouse, cart, name AS file, products, created_at AS "madeAt", attempts, error
     FROM product_files WHERE merchant = ? AND status = 'pending' ORDER BY id`;
  const out: ProductFileWaiting[] = [];
  for (const m of config.merchants) out.push(...(await sql.all<ProductFileWaiting>(q, [m.config.id])));
  return out;
}

export async function warehouseStatus(sql: SqlSession, config: LoadedConfig): Promise<WarehouseStatus[]> {
  const q = `SELECT taken_at AS at, name AS file, status, rows_read AS rows, rows_rejected AS rejected,
       rows_stale AS stale, error
     FROM files WHERE merchant = ? AND kind = 'inventory' AND warehouse = ? AND status <> 'duplicate'
     ORDER BY id DESC LIMIT 1`;
  const out: WarehouseStatus[] = [];
  for (const m of config.merchants)
    for (const w of m.warehouses) {
      const lastRun = await sql.get<Exclude<WarehouseStatus["lastRun"], "N/A">>(q, [m.config.id, w.config.id]);
      out.push({
        merchant: m.config.id,
        inventorySync: m.config.inventorySync,
        warehouse: w.config.id,
        lastRun: lastRun ?? "N/A",
      });
    }
  return out;
}

export async function cartStatus(sql: SqlSession, config: LoadedConfig): Promise<CartStatus[]> {
  const last = `SELECT s.synced_at AS at, COALESCE(s.delivered_at, s.synced_at) AS "deliveredAt", s.file_name AS file,
       s.rows, s.units, s.reason
     FROM cart_state c JOIN cart_syncs s ON s.id = c.last_sync_id
     WHERE c.merchant = ? AND c.cart = ?`;
  const pending = "SELECT COUNT(*) AS n FROM cart_syncs WHERE status = 'pending' AND merchant = ? AND cart = ?";
  const attempt =
    "SELECT synced_at AS at, status, error FROM cart_syncs WHERE merchant = ? AND cart = ? ORDER BY id DESC LIMIT 1";
  const out: CartStatus[] = [];
  for (const m of config.merchants)
    for (const k of m.carts) {
      const key = [m.config.id, k.config.id];
      out.push({
        merchant: m.config.id,
        cart: k.config.id,
        inventoryUpload: k.config.inventoryUpload,
        lastSync: (await sql.get<Exclude<CartStatus["lastSync"], "NEVER">>(last, key)) ?? "NEVER",
        lastAttempt: (await sql.get<NonNullable<CartStatus["lastAttempt"]>>(attempt, key)) ?? null,
        waitingInOutbox: (await sql.get<{ n: number }>(pending, key))!.n,
      });
    }
  return out;
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

export async function searchSku(sql: SqlSession, code: string, carts: SearchedCart[]): Promise<SkuSearch> {
  const asAlias = await sql.all<SkuSearch["asAlias"][number]>(
    `SELECT merchant, alias_type AS "aliasType", sku FROM aliases WHERE code = ? ORDER BY merchant, alias_type, sku`,
    [code],
  );
  const groups = new Map<string, { merchant: string; aliasType: string; skus: string[] }>();
  for (const a of asAlias) {
    const key = `${a.merchant}\u0000${a.aliasType}`;
    const g = groups.get(key) ?? { merchant: a.merchant, aliasType: a.aliasType, skus: [] };
    g.skus.push(a.sku);
    groups.set(key, g);
  }
  const catalogs = await sql.all<{ merchant: string; cart: string; e: number }>(
    "SELECT merchant, cart, inventory_enabled AS e FROM catalog WHERE sku = ? ORDER BY merchant, cart",
    [code],
  );
  return {
    code,
    asSku: await sql.all<SkuSearch["asSku"][number]>(
      `SELECT merchant, warehouse, available, on_hand AS "onHand", as_of AS "asOf", loaded_at AS "loadedAt"
         FROM inventory WHERE sku = ? ORDER BY merchant, warehouse`,
      [code],
    ),
    aliasesOfSku: await sql.all<SkuSearch["aliasesOfSku"][number]>(
      `SELECT merchant, alias_type AS "aliasType", code FROM aliases WHERE sku = ? ORDER BY merchant, alias_type, code`,
      [code],
    ),
    asAlias,
    duplicateAlias: [...groups.values()].filter((g) => g.skus.length > 1),
    inCatalogs: catalogs.map((r) => ({ merchant: r.merchant, cart: r.cart, inventoryEnabled: r.e === 1 })),
    lastSent: await lastSentIn(sql, code, carts),
  };
}

/**
 * Per cart, what it was last sent for the code (or for the SKU's alias codes): key lookups, never a scan of every line.
 */
async function lastSentIn(sql: SqlSession, code: string, carts: SearchedCart[]): Promise<SkuSearch["lastSent"]> {
  const sent =
    "SELECT merchant, cart, code, quantity, synced_at AS at FROM sku_sync WHERE merchant = ? AND cart = ? AND code = ?";
  const aliasCodes = "SELECT code FROM aliases WHERE merchant = ? AND sku = ? AND alias_type = ? ORDER BY code";
  const out: SkuSearch["lastSent"] = [];
  for (const c of carts) {
    const aliases = c.alias ? await sql.all<{ code: string }>(aliasCodes, [c.merchant, code, c.alias]) : [];
    const codes = new Set([code, ...aliases.map((a) => a.code)]);
    for (const k of codes) out.push(...(await sql.all<SkuSearch["lastSent"][number]>(sent, [c.merchant, c.cart, k])));
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
export async function outboxFiles(
  sql: SqlSession,
  merchants: string[],
  filter: { kind?: OutboxFile["kind"]; owner?: string; status?: OutboxFile["status"] } = {},
): Promise<OutboxFile[]> {
  const q = `SELECT kind, merchant, owner, id, name, status, attempts, made_at AS "madeAt",
       delivered_at AS "deliveredAt", location, error
     FROM outbox_files WHERE merchant = @merchant AND (CAST(@kind AS TEXT) IS NULL OR kind = @kind)
       AND (CAST(@owner AS TEXT) IS NULL OR owner = @owner) AND (CAST(@status AS TEXT) IS NULL OR status = @status)
     ORDER BY made_at, kind, id`;
  const f = { kind: null, owner: null, status: null, ...filter };
  const out: OutboxFile[] = [];
  for (const merchant of merchants) out.push(...(await sql.all<OutboxFile>(q, { merchant, ...f })));
  return out;
}
