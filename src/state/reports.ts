/**
 * What an operator must be able to see (DOMAIN.md), read from recorded state only.
 */
import type { LoadedCart, LoadedConfig } from "../config/load.js";
import type { Store } from "./store.js";

export interface WarehouseStatus {
  merchant: string;
  inventorySync: string;
  warehouse: string;
  /** N/A when never run */
  lastRun: { at: number; file: string; status: string; rows: number; rejected: number; stale: number; error: string | null } | "N/A";
}

export interface CartStatus {
  merchant: string;
  cart: string;
  inventoryUpload: boolean;
  lastSync: { at: number; file: string; rows: number; units: number; reason: string } | "NEVER";
  lastAttempt: { at: number; status: string; error: string | null } | null;
  /** files rendered but not delivered yet: they wait in the outbox and are retried as they are */
  waitingInOutbox: number;
}

export function warehouseStatus(store: Store, config: LoadedConfig): WarehouseStatus[] {
  const q = store.db.prepare(
    `SELECT taken_at AS at, name AS file, status, rows_read AS rows, rows_rejected AS rejected, rows_stale AS stale, error
     FROM files WHERE merchant = ? AND kind = 'inventory' AND warehouse = ? AND status <> 'duplicate' ORDER BY id DESC LIMIT 1`,
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

export function cartStatus(store: Store, config: LoadedConfig): CartStatus[] {
  const last = store.db.prepare(
    `SELECT s.synced_at AS at, s.file_name AS file, s.rows, s.units, s.reason FROM cart_state c JOIN cart_syncs s ON s.id = c.last_sync_id
     WHERE c.merchant = ? AND c.cart = ?`,
  );
  const attempt = store.db.prepare("SELECT synced_at AS at, status, error FROM cart_syncs WHERE merchant = ? AND cart = ? ORDER BY id DESC LIMIT 1");
  return config.merchants.flatMap((m) =>
    m.carts.map((k) => ({
      merchant: m.config.id,
      cart: k.config.id,
      inventoryUpload: k.config.inventoryUpload,
      lastSync: (last.get(m.config.id, k.config.id) as Exclude<CartStatus["lastSync"], "NEVER"> | undefined) ?? "NEVER",
      lastAttempt: (attempt.get(m.config.id, k.config.id) as CartStatus["lastAttempt"] | undefined) ?? null,
      waitingInOutbox: store.pendingDeliveries(m.config.id, k.config.id).length,
    })),
  );
}

export interface ProductSyncRow {
  sku: string;
  /** null when the cart sent no catalog */
  inventoryEnabled: boolean | null;
  lastCartSyncAt: number | "NEVER";
  lastQuantity: number | null;
  /** why NEVER (or why a synced code is no longer sent) */
  reason: string | null;
  /** oldest as-of of the matched product's levels in the cart's warehouses */
  asOf: number | null;
  /** the row needs an operator's action (view-sync --problems) */
  problem: boolean;
}

/**
 * View Product Sync: every code the cart knows (its catalog), or every code it was sent.
 * A row is a problem when it was never synced, is inventory disabled, or its warehouse data
 * is older than `staleAfterMs` (a duplicate alias is always NEVER).
 */
export function productSync(store: Store, cart: LoadedCart, now = Date.now(), staleAfterMs = 48 * 3_600_000): ProductSyncRow[] {
  const m = cart.merchant;
  const id = cart.config.id;
  const alias = cart.config.alias;
  const rows = store.db
    .prepare(
      `SELECT c.sku AS code, c.inventory_enabled AS enabled, s.synced_at, s.quantity, s.sku AS sent_sku FROM catalog c
         LEFT JOIN sku_sync s ON s.merchant = c.merchant AND s.cart = c.cart AND s.code = c.sku
       WHERE c.merchant = @m AND c.cart = @id
       UNION ALL
       SELECT s.code, NULL, s.synced_at, s.quantity, s.sku FROM sku_sync s
       WHERE s.merchant = @m AND s.cart = @id AND NOT EXISTS (SELECT 1 FROM catalog c WHERE c.merchant = s.merchant AND c.cart = s.cart AND c.sku = s.code)
       ORDER BY 1`,
    )
    .all({ m, id }) as Array<{ code: string; enabled: number | null; synced_at: number | null; quantity: number | null; sent_sku: string | null }>;
  const aliasSkus = store.db.prepare("SELECT DISTINCT sku FROM aliases WHERE merchant = ? AND alias_type = ? AND code = ? ORDER BY sku");
  const product = store.db.prepare("SELECT 1 FROM products WHERE merchant = ? AND sku = ?");
  const stocked = store.db.prepare("SELECT MIN(as_of) AS asOf FROM inventory WHERE merchant = @m AND sku = @sku AND (@w IS NULL OR warehouse = @w)");

  const reasonFor = (code: string, enabled: number | null): string => {
    if (!cart.config.inventoryUpload) return "inventory upload is off for this cart";
    if (enabled === 0) return "inventory is disabled in the cart for this product: enable inventory tracking in the cart";
    let sku = code;
    if (alias) {
      const skus = (aliasSkus.all(m, alias, code) as Array<{ sku: string }>).map((r) => r.sku);
      if (skus.length === 0) return `no warehouse product has ${alias} alias ${code}: add the alias or fix the code`;
      if (skus.length > 1) return `${alias} alias ${code} is shared by ${skus.length} products (${skus.join(", ")}): an alias code must point to one product`;
      sku = skus[0];
    } else if (!product.get(m, code)) return "no matching SKU on the warehouse side: make the SKU match, or push by an alias";
    if ((stocked.get({ m, sku, w: cart.warehouse }) as { asOf: number | null }).asOf === null) return `no inventory loaded for ${sku} from ${cart.warehouse ?? "any warehouse"}`;
    return "not synced yet: no file has gone to the cart since it matched";
  };

  return rows.map((r) => {
    const asOf = r.sent_sku === null ? null : (stocked.get({ m, sku: r.sent_sku, w: cart.warehouse }) as { asOf: number | null }).asOf;
    let reason = r.synced_at === null ? reasonFor(r.code, r.enabled) : r.enabled === 0 ? "inventory is now disabled in the cart: no longer sent" : null;
    const stale = asOf !== null && now - asOf > staleAfterMs;
    if (stale && reason === null) reason = `warehouse data is ${Math.floor((now - asOf) / 3_600_000)} hours old: is the WMS still sending files?`;
    return {
      sku: r.code,
      inventoryEnabled: r.enabled === null ? null : r.enabled === 1,
      lastCartSyncAt: r.synced_at ?? "NEVER",
      lastQuantity: r.quantity,
      reason,
      asOf,
      problem: r.synced_at === null || r.enabled === 0 || stale,
    };
  });
}

export interface LocationRow {
  merchant: string;
  warehouse: string;
  sku: string;
  available: number;
  onHand: number | null;
  asOf: number;
  loadedAt: number;
  file: string;
}

export function locationRows(store: Store, warehouse: string, merchant?: string): LocationRow[] {
  return store.db
    .prepare(
      `SELECT i.merchant, i.warehouse, i.sku, i.available, i.on_hand AS onHand, i.as_of AS asOf, i.loaded_at AS loadedAt, f.name AS file
       FROM inventory i JOIN files f ON f.id = i.file_id
       WHERE i.warehouse = @warehouse AND (@merchant IS NULL OR i.merchant = @merchant) ORDER BY i.merchant, i.sku`,
    )
    .all({ warehouse, merchant: merchant ?? null }) as LocationRow[];
}

export interface ProductSummaryRow {
  merchant: string;
  sku: string;
  available: number;
  onHand: number | null;
  warehouses: number;
}

/** Add/View Products: one line per SKU over all warehouses (no load times, as in the seed). */
export function productSummary(store: Store, merchant?: string): ProductSummaryRow[] {
  return store.db
    .prepare(
      `SELECT merchant, sku, SUM(available) AS available, CASE WHEN COUNT(on_hand) = 0 THEN NULL ELSE SUM(on_hand) END AS onHand,
              COUNT(*) AS warehouses
       FROM inventory WHERE (@merchant IS NULL OR merchant = @merchant) GROUP BY merchant, sku ORDER BY merchant, sku`,
    )
    .all({ merchant: merchant ?? null }) as ProductSummaryRow[];
}

export interface SkuSearch {
  code: string;
  asSku: Array<{ merchant: string; warehouse: string; available: number; onHand: number | null; asOf: number; loadedAt: number }>;
  aliasesOfSku: Array<{ merchant: string; aliasType: string; code: string }>;
  asAlias: Array<{ merchant: string; aliasType: string; sku: string }>;
  /** the error the seed warns about: one alias code on several products */
  duplicateAlias: Array<{ merchant: string; aliasType: string; skus: string[] }>;
  inCatalogs: Array<{ merchant: string; cart: string; inventoryEnabled: boolean }>;
  lastSent: Array<{ merchant: string; cart: string; code: string; quantity: number; at: number }>;
}

export function searchSku(store: Store, code: string): SkuSearch {
  const db = store.db;
  const asAlias = db.prepare("SELECT merchant, alias_type AS aliasType, sku FROM aliases WHERE code = ? ORDER BY merchant, alias_type, sku").all(code) as SkuSearch["asAlias"];
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
      .prepare("SELECT merchant, warehouse, available, on_hand AS onHand, as_of AS asOf, loaded_at AS loadedAt FROM inventory WHERE sku = ? ORDER BY merchant, warehouse")
      .all(code) as SkuSearch["asSku"],
    aliasesOfSku: db.prepare("SELECT merchant, alias_type AS aliasType, code FROM aliases WHERE sku = ? ORDER BY merchant, alias_type, code").all(code) as SkuSearch["aliasesOfSku"],
    asAlias,
    duplicateAlias: [...groups.values()].filter((g) => g.skus.length > 1),
    inCatalogs: (db.prepare("SELECT merchant, cart, inventory_enabled AS e FROM catalog WHERE sku = ? ORDER BY merchant, cart").all(code) as Array<{ merchant: string; cart: string; e: number }>).map(
      (r) => ({ merchant: r.merchant, cart: r.cart, inventoryEnabled: r.e === 1 }),
    ),
    lastSent: db
      .prepare("SELECT merchant, cart, code, quantity, synced_at AS at FROM sku_sync WHERE code = ? OR sku = ? ORDER BY merchant, cart, code")
      .all(code, code) as SkuSearch["lastSent"],
  };
}
