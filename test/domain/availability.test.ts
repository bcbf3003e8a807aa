import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  availableAfterOrders,
  combineWarehouses,
  combineWarehousesSql,
  drawsFrom,
  drawsFromSql,
  judgeOrderLines,
  orderCounts,
  orderCountsSql,
  orderSku,
  orderSkuSql,
  type OrderLine,
} from "../../src/domain/availability.js";

const t = (iso: string) => Date.parse(iso);
const order = (o: Partial<OrderLine>): OrderLine => ({
  cart: "shop",
  orderId: "1",
  line: 1,
  sku: "A",
  quantity: 1,
  orderedAt: t("2026-11-20T12:00:00Z"),
  status: "open",
  ...o,
});

describe("rule 6: several warehouses are summed", () => {
  it("sums available and keeps the oldest as-of (never oversell)", () => {
    expect(
      combineWarehouses([
        { warehouse: "east", available: 5, asOf: t("2026-11-20T11:00:00Z") },
        { warehouse: "west", available: 7, asOf: t("2026-11-20T09:00:00Z") },
      ]),
    ).toEqual({ available: 12, asOf: t("2026-11-20T09:00:00Z") });
  });
  it("no warehouse carries it: nothing to send", () => {
    expect(combineWarehouses([])).toBeNull();
  });
});

describe("rule 5: orders placed after the snapshot are subtracted", () => {
  const asOf = t("2026-11-20T11:00:00Z");
  it("subtracts an order placed after the as-of time", () => {
    expect(judgeOrderLines([order({ orderedAt: t("2026-11-20T11:00:01Z") })], asOf)[0].verdict).toBe("subtracted");
  });
  it("does not subtract an order exactly at the as-of instant", () => {
    expect(judgeOrderLines([order({ orderedAt: asOf })], asOf)[0].verdict).toBe("before-as-of");
  });
  it("compares instants, not wall clocks: 06:30-05:00 is after 11:00Z", () => {
    expect(judgeOrderLines([order({ orderedAt: t("2026-11-20T06:30:00-05:00") })], asOf)[0].verdict).toBe("subtracted");
  });
  it("does not subtract a cancelled line", () => {
    expect(
      judgeOrderLines([order({ status: "cancelled", orderedAt: t("2026-11-20T12:00:00Z") })], asOf)[0].verdict,
    ).toBe("cancelled");
  });
  it("subtracts shipped lines placed after the snapshot (the warehouse had not seen them)", () => {
    expect(judgeOrderLines([order({ status: "shipped" })], asOf)[0].verdict).toBe("subtracted");
  });
  it("counts the same cart, order id and line once", () => {
    const v = judgeOrderLines([order({}), order({}), order({ line: 2 }), order({ cart: "market" })], asOf).map(
      (j) => j.verdict,
    );
    expect(v).toEqual(["subtracted", "duplicate", "subtracted", "subtracted"]);
  });
  it("subtracts orders of every cart from the sum", () => {
    const r = availableAfterOrders(
      [{ warehouse: "east", available: 10, asOf }],
      [
        order({ cart: "shop", quantity: 2 }),
        order({ cart: "market", quantity: 3 }),
        order({ cart: "market", quantity: 3 }),
      ],
    );
    expect(r).toEqual({ available: 5, asOf, ordersSubtracted: 5 });
  });
});

describe("the rules' SQL forms decide as the plain functions do (the store builds its queries from them)", () => {
  const db = new Database(":memory:");
  afterAll(() => db.close());
  const one = <T>(sql: string, params: Record<string, unknown>): T =>
    (db.prepare(`SELECT ${sql} AS v`).get(params) as { v: T }).v;

  it("rule 6: drawsFromSql for one named warehouse or all (null)", () => {
    for (const cartWarehouse of [null, "east", "west"])
      for (const warehouse of ["east", "west"])
        expect(
          one<number>(drawsFromSql({ warehouse: "@w", cartWarehouse: "@c" }), { w: warehouse, c: cartWarehouse }),
          `${cartWarehouse} ${warehouse}`,
        ).toBe(drawsFrom(cartWarehouse, warehouse) ? 1 : 0);
  });

  it("rule 6 and 5: combineWarehousesSql sums the levels and takes the oldest as-of", () => {
    const cases = [
      [{ available: 5, asOf: 10 }],
      [
        { available: 5, asOf: 10 },
        { available: -2, asOf: 3 },
      ],
      [
        { available: 0, asOf: 7 },
        { available: 9, asOf: 7 },
        { available: 1, asOf: 8 },
      ],
    ];
    for (const levels of cases) {
      const e = combineWarehousesSql({
        available: "json_extract(value, '$.available')",
        asOf: "json_extract(value, '$.asOf')",
      });
      const got = db
        .prepare(`SELECT ${e.available} AS available, ${e.asOf} AS asOf FROM json_each(?)`)
        .get(JSON.stringify(levels));
      expect(got).toEqual(combineWarehouses(levels.map((l) => ({ warehouse: "w", ...l }))));
    }
  });

  it("rule 5: orderCountsSql for orders before, at and after the as-of, in every status", () => {
    for (const status of ["open", "shipped", "cancelled"] as const)
      for (const orderedAt of [99, 100, 101])
        expect(
          one<number>(orderCountsSql({ orderedAt: "@t", status: "@s", asOf: "@a" }), {
            t: orderedAt,
            s: status,
            a: 100,
          }),
          `${status} ${orderedAt}`,
        ).toBe(orderCounts({ orderedAt, status }, 100) ? 1 : 0);
  });

  it("rule 5 with aliases: orderSkuSql takes the SKU, else the one product of the alias code, never a shared one", () => {
    const sql = orderSkuSql({
      code: "@code",
      isProductSku: "@isSku",
      aliases: { from: "FROM json_each(@aliases) a", sku: "a.value" },
    });
    for (const isProductSku of [true, false])
      for (const aliasSkus of [[], ["A"], ["A", "A"], ["A", "B"], ["B", "A", "A"]])
        expect(
          one<string | null>(sql, { code: "0001", isSku: isProductSku ? 1 : 0, aliases: JSON.stringify(aliasSkus) }),
          `${isProductSku} ${aliasSkus}`,
        ).toBe(orderSku("0001", { isProductSku, aliasSkus }));
  });
});
