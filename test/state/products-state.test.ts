/**
 * Product sync's state on every store: WMS product masters, what each WMS was sent, the
 * product files in the outbox (a lost file's products count as unsent again).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../src/state/sql/ledger.js";
import { Products } from "../../src/state/sql/products.js";
import type { SqlSession } from "../../src/state/sql/session.js";
import { openState, stores } from "../helpers/stores.js";

const file = (seq: number) => ({
  runId: 1,
  merchant: "m",
  cart: "shop",
  warehouse: "east",
  mode: "sync" as const,
  name: `products-${seq}.csv`,
  outboxPath: `outbox/products-${seq}.csv`,
  seq,
  newProducts: 1,
  updatedProducts: 1,
  createdAt: 1000 + seq,
});

describe.each(stores)("product sync state on $store", ({ store, skip }) => {
  let state: Awaited<ReturnType<typeof openState>>;
  let sql: SqlSession;
  let products: Products;
  beforeEach(async () => {
    if (skip) return;
    state = await openState(store);
    sql = await state.session();
    products = new Products(sql);
  });
  afterEach(async () => {
    if (!skip) await state.close();
  });

  /** product master files in the ledger (the table refers to them) */
  async function productFiles(n: number): Promise<number[]> {
    const ledger = new Ledger(sql);
    const runId = await ledger.startRun(1);
    const ids = [];
    for (let i = 0; i < n; i++) {
      const f = { runId, source: "m/products/wms", kind: "products", merchant: "m", name: `p${i}.csv` };
      ids.push(await ledger.insertFile({ ...f, size: 1, sha256: `h${i}`, mtime: 1, takenAt: 1 }, "loaded"));
    }
    return ids;
  }

  it.skipIf(skip)("keeps each warehouse's product master, the newest file per warehouse or over all", async () => {
    const [f3, f5, f7] = await productFiles(3);
    await products.upsertWarehouseProducts({
      fileId: f3,
      merchant: "m",
      warehouse: "east",
      rows: [
        { sku: "A", product: '{"price":"1"}' },
        { sku: "B", product: '{"price":"2"}' },
      ],
    });
    await products.upsertWarehouseProducts({
      fileId: f5,
      merchant: "m",
      warehouse: "west",
      rows: [{ sku: "A", product: '{"price":"9"}' }],
    });
    await products.upsertWarehouseProducts({
      fileId: f7,
      merchant: "m",
      warehouse: "east",
      rows: [{ sku: "B", product: '{"price":"3"}' }],
    });
    const found = await products.warehouseProducts("m", ["east", "west"], ["A", "B", "C"]);
    expect(Object.fromEntries([...found].map(([sku, w]) => [sku, Object.fromEntries(w)]))).toEqual({
      A: { east: '{"price":"1"}', west: '{"price":"9"}' },
      B: { east: '{"price":"3"}' },
    });
    expect([...(await products.warehouseProducts("m", ["west"], ["A", "B"])).keys()]).toEqual(["A"]);
    expect(await products.newestProductFile("m", "west")).toBe(f5);
    expect(await products.newestProductFile("m", null)).toBe(f7);
    expect(await products.newestProductFile("other", null)).toBeNull();
  });

  it.skipIf(skip)("records what a product file sends; a lost file's products count as unsent again", async () => {
    expect(await products.nextSeq("m", "east")).toBe(1);
    const first = await products.recordProductFile(file(1), [
      { sku: "A", hash: "a1" },
      { sku: "B", hash: "b1" },
    ]);
    const second = await products.recordProductFile(file(2), [{ sku: "B", hash: "b2" }]);
    expect(await products.nextSeq("m", "east")).toBe(3);
    expect(Object.fromEntries(await products.sentHashes("m", "east"))).toEqual({ A: "a1", B: "b2" });
    expect((await products.pendingFiles("m", "east")).map((f) => f.id)).toEqual([first, second]);

    await products.deliveryFailed(first, "connection refused");
    await products.delivered(first, { at: 2000, name: "products-1.csv", location: "/in/products-1.csv" });
    await products.lost(second, "the outbox file is gone");
    expect((await products.pendingFiles("m", "east")).map((f) => f.id)).toEqual([]);
    expect(Object.fromEntries(await products.sentHashes("m", "east"))).toEqual({ A: "a1" });
  });

  it.skipIf(skip)("reads a cart's catalog back in SKU (byte) order, past a page", async () => {
    // the catalog is written by a catalog load (the inventory slice); here straight into its table
    const skus = Array.from({ length: 2300 }, (_, i) => `S-${(i * 7919) % 2300}`).concat(["é", "Z", "a", "\u{1F600}"]);
    await sql.runMany(
      "INSERT INTO catalog (merchant, cart, sku, inventory_enabled, file_id, product) VALUES ('m', 'shop', ?, 1, 1, ?)",
      skus.map((s) => [s, s === "Z" ? null : `{"name":"${s}"}`]),
    );
    const back = [];
    for await (const p of products.catalogProducts("m", "shop")) back.push(p.sku);
    const bytes = (s: string) => Buffer.from(s, "utf8");
    expect(back).toEqual([...skus].sort((a, b) => Buffer.compare(bytes(a), bytes(b))));
  });
});
