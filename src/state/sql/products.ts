import type { SqlSession } from "./session.js";

/** a cart's catalog is read back this many products at a time */
const CATALOG_PAGE = 1000;

export interface PendingProductFile {
  id: number;
  cart: string;
  name: string;
  outbox_path: string;
}

/**
 * Product sync's state (cart catalogs' products, WMS product masters, what each WMS was
 * sent): queries by concern, behind the Store (store.products), on the shared SQL session.
 */
export class Products {
  constructor(private readonly sql: SqlSession) {}

  /** Upserts a WMS's product master: a product file updates the products it lists. */
  async upsertWarehouseProducts(p: {
    fileId: number;
    merchant: string;
    warehouse: string;
    rows: Iterable<{ sku: string; product: string }>;
  }): Promise<void> {
    await this.sql.runMany(
      `INSERT INTO warehouse_products (merchant, warehouse, sku, product, file_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET product = excluded.product, file_id = excluded.file_id`,
      (function* () {
        for (const r of p.rows) yield [p.merchant, p.warehouse, r.sku, r.product, p.fileId];
      })(),
    );
  }

  /** The product master entries of some SKUs in some warehouses: sku -> warehouse -> product (JSON). */
  async warehouseProducts(
    merchant: string,
    warehouses: readonly string[],
    skus: readonly string[],
  ): Promise<Map<string, Map<string, string>>> {
    const { jsonTexts } = this.sql.dialect;
    const rows = await this.sql.all<{ sku: string; warehouse: string; product: string }>(
      `SELECT sku, warehouse, product FROM warehouse_products WHERE merchant = ?
         AND warehouse IN (${jsonTexts("?")}) AND sku IN (${jsonTexts("?")})`,
      [merchant, JSON.stringify(warehouses), JSON.stringify(skus)],
    );
    const found = new Map<string, Map<string, string>>();
    for (const r of rows) {
      let of = found.get(r.sku);
      if (!of) found.set(r.sku, (of = new Map()));
      of.set(r.warehouse, r.product);
    }
    return found;
  }

  /** The newest product master file of the merchant's warehouses (news for carts carrying product details). */
  async newestProductFile(merchant: string, warehouse: string | null): Promise<number | null> {
    const r = await this.sql.get<{ id: number | null }>(
      `SELECT MAX(file_id) AS id FROM warehouse_products WHERE merchant = @merchant
         AND (CAST(@warehouse AS TEXT) IS NULL OR warehouse = @warehouse)`,
      { merchant, warehouse },
    );
    return r?.id ?? null;
  }

  /** A cart's catalog products (canonical fields, JSON), in SKU order, a page at a time. */
  async *catalogProducts(merchant: string, cart: string): AsyncGenerator<{ sku: string; product: string | null }> {
    let after: string | undefined;
    for (;;) {
      const page = await this.sql.all<{ sku: string; product: string | null }>(
        `SELECT sku, product FROM catalog WHERE merchant = ? AND cart = ? ${after === undefined ? "" : "AND sku > ?"}
           ORDER BY sku LIMIT ${CATALOG_PAGE}`,
        after === undefined ? [merchant, cart] : [merchant, cart, after],
      );
      yield* page;
      if (page.length < CATALOG_PAGE) return;
      after = page[page.length - 1].sku;
    }
  }

  /** What the warehouse's WMS was last sent of each product: sku -> content hash. */
  async sentHashes(merchant: string, warehouse: string): Promise<Map<string, string>> {
    const rows = await this.sql.all<{ sku: string; hash: string }>(
      "SELECT sku, hash FROM product_sent WHERE merchant = ? AND warehouse = ?",
      [merchant, warehouse],
    );
    return new Map(rows.map((r) => [r.sku, r.hash]));
  }

  async nextSeq(merchant: string, warehouse: string): Promise<number> {
    const r = await this.sql.get<{ seq: number }>("SELECT seq FROM product_seq WHERE merchant = ? AND warehouse = ?", [
      merchant,
      warehouse,
    ]);
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
    return this.sql.transaction(async () => {
      const { id } = (await this.sql.get<{ id: number }>(
        `INSERT INTO product_files (run_id, merchant, cart, warehouse, mode, name, outbox_path, products,
           new_products, updated_products, created_at)
         VALUES (@runId, @merchant, @cart, @warehouse, @mode, @name, @outboxPath, @products, @newProducts,
            @updatedProducts, @createdAt)
         RETURNING id`,
        { ...f, products: sent.length },
      ))!;
      await this.sql.run(
        `INSERT INTO product_seq (merchant, warehouse, seq) VALUES (?, ?, ?) ON CONFLICT (merchant, warehouse)
           DO UPDATE SET seq = excluded.seq`,
        [f.merchant, f.warehouse, f.seq],
      );
      await this.sql.runMany(
        `INSERT INTO product_sent (merchant, warehouse, sku, hash, product_file_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (merchant, warehouse, sku) DO UPDATE SET hash = excluded.hash,
            product_file_id = excluded.product_file_id, sent_at = excluded.sent_at`,
        sent.map((s) => [f.merchant, f.warehouse, s.sku, s.hash, id, f.createdAt]),
      );
      return id;
    });
  }

  async pendingFiles(merchant: string, warehouse: string): Promise<PendingProductFile[]> {
    return this.sql.all(
      `SELECT id, cart, name, outbox_path FROM product_files WHERE merchant = ? AND warehouse = ?
         AND status = 'pending' ORDER BY id`,
      [merchant, warehouse],
    );
  }

  async delivered(id: number, p: { at: number; name: string; location: string }): Promise<void> {
    await this.sql.run(
      `UPDATE product_files SET status = 'delivered', delivered_at = @at, name = @name, location = @location,
         attempts = attempts + 1, error = NULL WHERE id = @id`,
      { ...p, id },
    );
  }

  async deliveryFailed(id: number, error: string): Promise<void> {
    await this.sql.run("UPDATE product_files SET attempts = attempts + 1, error = ? WHERE id = ?", [error, id]);
  }

  /** The outbox file is gone: the products it carried were never sent, so they count as unsent again. */
  async lost(id: number, error: string): Promise<void> {
    await this.sql.transaction(async () => {
      await this.sql.run("DELETE FROM product_sent WHERE product_file_id = ?", [id]);
      await this.sql.run("UPDATE product_files SET status = 'lost', error = ? WHERE id = ?", [error, id]);
    });
  }
}
