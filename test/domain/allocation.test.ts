import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { cartLevelSteps, levelForCart, levelForCartSql, type CartLevelRules } from "../../src/domain/allocation.js";

const plain: CartLevelRules = { minimumLevel: 0, buffer: 0, percent: 100, maximum: null };

describe("rule 8: minimum inventory level", () => {
  it("sends 0 when available is below the minimum level (minimum 5: 4 becomes 0)", () => {
    expect(levelForCart(4, { ...plain, minimumLevel: 5 })).toBe(0);
  });
  it("sends the true level at the minimum level (minimum 5: 5 stays 5)", () => {
    expect(levelForCart(5, { ...plain, minimumLevel: 5 })).toBe(5);
    expect(levelForCart(6, { ...plain, minimumLevel: 5 })).toBe(6);
  });
  it("a minimum of 0 disables it: 1 stays 1", () => {
    expect(levelForCart(1, plain)).toBe(1);
  });
  it("sends levels below zero as 0", () => {
    expect(levelForCart(-3, plain)).toBe(0);
    expect(Object.is(levelForCart(-3, plain), 0)).toBe(true);
  });
});

describe("rule 15: channel allocation", () => {
  it("holds back the buffer", () => {
    expect(levelForCart(10, { ...plain, buffer: 3 })).toBe(7);
  });
  it("offers a percent of stock, rounded down", () => {
    expect(levelForCart(7, { ...plain, percent: 50 })).toBe(3);
    expect(levelForCart(99, { ...plain, percent: 33 })).toBe(32);
  });
  it("caps at the maximum", () => {
    expect(levelForCart(500, { ...plain, maximum: 20 })).toBe(20);
    expect(levelForCart(5, { ...plain, maximum: 20 })).toBe(5);
  });
  it("applies minimum, then buffer, percent and maximum, in that order", () => {
    // a = 31: not below 5; (31 - 2) * 50 / 100 = 14.5 -> 14; min(20, 14) = 14
    expect(cartLevelSteps(31, { minimumLevel: 5, buffer: 2, percent: 50, maximum: 20 })).toEqual({
      available: 31,
      belowMinimum: false,
      afterBuffer: 29,
      afterPercent: 14,
      afterMaximum: 14,
      sent: 14,
    });
  });
  it("compares the minimum with available before the buffer", () => {
    // 5 is at the minimum, so not zeroed; the buffer then takes it to 3
    expect(levelForCart(5, { minimumLevel: 5, buffer: 2, percent: 100, maximum: null })).toBe(3);
  });
  it("never sends below 0 when the buffer exceeds stock", () => {
    expect(levelForCart(2, { ...plain, buffer: 5, percent: 50 })).toBe(0);
  });
  it("a maximum of 0 sends 0", () => {
    expect(levelForCart(50, { ...plain, maximum: 0 })).toBe(0);
  });
});

describe("rules 8 and 15 inside SQLite: the SQL form sends what levelForCart sends", () => {
  it("agrees for every available from -150 to 150 under every combination of minimum, buffer, percent and maximum", () => {
    const db = new Database(":memory:");
    const values = Array.from({ length: 301 }, (_, i) => i - 150);
    let compared = 0;
    for (const minimumLevel of [0, 1, 5, 40])
      for (const buffer of [0, 1, 3, 200])
        for (const percent of [0, 1, 33, 50, 80, 99, 100])
          for (const maximum of [null, 0, 7, 1000]) {
            const rules = { minimumLevel, buffer, percent, maximum };
            const sql = `SELECT ${levelForCartSql("value", rules)} AS level FROM json_each(?) ORDER BY key`;
            const got = (db.prepare(sql).all(JSON.stringify(values)) as Array<{ level: number }>).map((r) => r.level);
            expect(got, JSON.stringify(rules)).toEqual(values.map((v) => levelForCart(v, rules)));
            compared += values.length;
          }
    expect(compared).toBe(4 * 4 * 7 * 4 * 301);
    db.close();
  });
  it("refuses a rule that is not an integer rather than let SQL round it differently", () => {
    expect(() => levelForCartSql("a", { ...plain, percent: 12.5 })).toThrow(/percent must be an integer/);
  });
});
