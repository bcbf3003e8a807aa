import { describe, expect, it } from "vitest";
import { parseWholeQuantity } from "../../src/domain/quantity.js";

describe("rule 3: whole numbers only", () => {
  it.each([
    ["12", 12],
    [" 7 ", 7],
    ["0", 0],
    ["-3", -3],
    ["+4", 4],
    ["12.00", 12],
    ["-0", 0],
  ])("accepts %j as %d", (text, value) => {
    expect(parseWholeQuantity(text)).toEqual({ ok: true, value });
  });
  it.each(["12.5", "0.1", ".5", "abc", "", "1,200", "1e3", "12 units", "NaN", "99999999999999999999"])(
    "rejects %j and never rounds it",
    (text) => {
      const r = parseWholeQuantity(text);
      expect(r.ok).toBe(false);
    },
  );
  it("says a fraction is a fraction", () => {
    expect(parseWholeQuantity("12.5")).toEqual({ ok: false, reason: expect.stringContaining("not a whole number") });
  });
});
