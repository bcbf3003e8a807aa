import { describe, expect, it } from "vitest";
import {
  availableAfterOrders,
  combineWarehouses,
  judgeOrderLines,
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
