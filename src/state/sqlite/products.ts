import type Database from "better-sqlite3";

export interface PendingProductFile {
  id: number;
  cart: string;
  name: string;
  outbox_path: string;
}

/**
 * Product sync's state (cart catalogs' products, WMS product masters, what each WMS was
 * sent): queries by concern, behind the Store (store.products).
 */
export class ProductStore {
  constructor(private readonly db: Database.Database) {}

  /** Upserts a WMS's product master: a product file updates the products it lists. */
  async upsertWarehouseProducts(p: {
    fileId: number;
    merchant: string;
    warehouse: string;
    rows: Iterable<{ sku: string; product: string }>;
  }): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO warehouse_products (merchant, warehouse, sku, product, file_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET product = excluded.product, file_id = excluded.file_id`,
    );
    for (const r of p.rows) upsert.run(p.merchant, p.warehouse, r.sku, r.product, p.fileId);
  }

  /** The product master entries of one SKU, by warehouse. */
  async warehouseProductLookup(merchant: string): Promise<(sku: string) => Map<string, string>> {
    const q = this.db.prepare("SELECT warehouse, product FROM warehouse_products WHERE merchant = ? AND sku = ?");
    return (sku) =>
      new Map(
        (q.all(merchant, sku) as Array<{ warehouse: string; product: string }>).map((r) => [r.warehouse, r.product]),
      );
  }

  /** The newest product master file of the merchant's warehouses (news for carts carrying product details). */
  async newestProductFile(merchant: string, warehouse: string | null): Promise<number | null> {
    const r = this.db
      .prepare(
        `SELECT MAX(file_id) AS id FROM warehouse_products WHERE merchant = @merchant
           AND (@warehouse IS NULL OR warehouse = @warehouse)`,
      )
      .get({ merchant, warehouse }) as { id: number | null };
    return r.id;
  }

  /** A cart's catalog products (canonical fields, JSON), in SKU order. */
  async *catalogProducts(merchant: string, cart: string): AsyncGenerator<{ sku: string; product: string | null }> {
    yield* this.db
      .prepare("SELECT sku, product FROM catalog WHERE merchant = ? AND cart = ? ORDER BY sku")
      .iterate(merchant, cart) as Iterable<{ sku: string; product: string | null }>;
  }

  /** What the warehouse's WMS was last sent of each product: sku -> content hash. */
  async sentHashes(merchant: string, warehouse: string): Promise<Map<string, string>> {
    const rows = this.db
      .prepare("SELECT sku, hash FROM product_sent WHERE merchant = ? AND warehouse = ?")
      .all(merchant, warehouse) as Array<{ sku: string; hash: string }>;
    return new Map(rows.map((r) => [r.sku, r.hash]));
  }

  async nextSeq(merchant: string, warehouse: string): Promise<number> {
    const r = this.db
      .prepare("SELECT seq FROM product_seq WHERE merchant = ? AND warehouse = ?")
      .get(merchant, warehouse) as { seq: number } | undefined;
    return (r?.seq ?? 0) + 1;
  }

  /**
   * Records a rendered product file and the products it sends, in the caller's transaction:
   * once committed the file waits in the outbox and is retried until delivered, and these
   * products count as sent (their hashes are what "changed" is measured against).
   */
  async recordProductFile(
    f: {
      runId: number;
      merchant: string;
      cart: string;
      warehouse: string;
      mode: "import" | "sync";
      name: string;
      outboxPath: string;
      seq: number;
      newProducts: number;
      updatedProducts: number;
      createdAt: number;
    },
    sent: Array<{ sku: string; hash: string }>,
  ): Promise<number> {
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO product_files (run_id, merchant, cart, warehouse, mode, name, outbox_path, products,
             new_products, updated_products, created_at)
           VALUES (@runId, @merchant, @cart, @warehouse, @mode, @name, @outboxPath, @products, @newProducts,
              @updatedProducts, @createdAt)`,
        )
        .run({ ...f, products: sent.length }).lastInsertRowid,
    );
    this.db
      .prepare(
        `INSERT INTO product_seq (merchant, warehouse, seq) VALUES (?, ?, ?) ON CONFLICT (merchant, warehouse)
           DO UPDATE SET seq = excluded.seq`,
      )
      .run(f.merchant, f.warehouse, f.seq);
    const upsert = this.db.prepare(
      `INSERT INTO product_sent (merchant, warehouse, sku, hash, product_file_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET hash = excluded.hash,
          product_file_id = excluded.product_file_id, sent_at = excluded.sent_at`,
    );
    for (const s of sent) upsert.run(f.merchant, f.warehouse, s.sku, s.hash, id, f.createdAt);
    return id;
  }

  async pendingFiles(merchant: string, warehouse: string): Promise<PendingProductFile[]> {
    return this.db
      .prepare(
        `SELECT id, cart, name, outbox_path FROM product_files WHERE merchant = ? AND warehouse = ?
           AND status = 'pending' ORDER BY id`,
      )
      .all(merchant, warehouse) as PendingProductFile[];
  }

  async delivered(id: number, p: { at: number; name: string; location: string }): Promise<void> {
    this.db
      .prepare(
        `UPDATE product_files SET status = 'delivered', delivered_at = @at, name = @name, location = @location,
           attempts = attempts + 1, error = NULL WHERE id = @id`,
      )
      .run({ ...p, id });
  }

  async deliveryFailed(id: number, error: string): Promise<void> {
    this.db.prepare("UPDATE product_files SET attempts = attempts + 1, error = ? WHERE id = ?").run(error, id);
  }

  /** The outbox file is gone: the products it carried were never sent, so they count as unsent again. */
  async lost(id: number, error: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM product_sent WHERE product_file_id = ?").run(id);
      this.db.prepare("UPDATE product_files SET status = 'lost', error = ? WHERE id = ?").run(error, id);
    })();
  }
}
