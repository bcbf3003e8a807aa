import { describe, expect, it } from "vitest";
import { cartLevelSteps, levelForCart, type CartLevelRules } from "../../src/domain/allocation.js";

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
