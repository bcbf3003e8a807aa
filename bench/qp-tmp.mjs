import Database from "better-sqlite3";
const db = new Database(process.argv[2], { readonly: true });
const since = 7;
const parts = {
  inv: `SELECT sku FROM inventory WHERE merchant = @merchant AND file_id > @since`,
  invAlias: `SELECT a.sku FROM inventory i JOIN aliases a ON a.merchant = i.merchant AND a.code = i.sku WHERE i.merchant = @merchant AND i.file_id > @since`,
  ord: `SELECT o.sku FROM orders o WHERE o.merchant = @merchant AND o.file_id > @since`,
  ordAlias: `SELECT a.sku FROM orders o JOIN aliases a ON a.merchant = o.merchant AND a.code = o.sku WHERE o.merchant = @merchant AND o.file_id > @since`,
  moves: `SELECT m.sku FROM order_moves m WHERE m.merchant = @merchant AND m.file_id > @since`,
  movesAlias: `SELECT a.sku FROM order_moves m JOIN aliases a ON a.merchant = m.merchant AND a.code = m.sku WHERE m.merchant = @merchant AND m.file_id > @since`,
};
for (const [k, q] of Object.entries(parts)) {
  const t = performance.now();
  const n = db.prepare(q).all({ merchant: "m", since }).length;
  console.log(k, n, (performance.now() - t).toFixed(1), "ms");
  for (const r of db.prepare("EXPLAIN QUERY PLAN " + q).all({ merchant: "m", since })) console.log("   ", r.detail);
}
const skus = Object.values(parts).join(" UNION ");
for (const q of [
  skus,
  `SELECT a.code FROM aliases a WHERE a.merchant = @merchant AND a.alias_type = 'upc' AND a.sku IN (${skus})`,
]) {
  const t = performance.now();
  const n = db.prepare(q).all({ merchant: "m", since }).length;
  console.log("ALL", n, (performance.now() - t).toFixed(1), "ms");
  for (const r of db.prepare("EXPLAIN QUERY PLAN " + q).all({ merchant: "m", since })) console.log("   ", r.detail);
}
