/** The shared statements' placeholders in PostgreSQL's form (state/postgres/placeholders.ts). */
import { describe, expect, it } from "vitest";
import { orderedValues, translatePlaceholders } from "../../src/state/postgres/placeholders.js";

describe("placeholders for PostgreSQL", () => {
  it("numbers ? in order", () => {
    const t = translatePlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)");
    expect(t.text).toBe("SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
    expect(orderedValues(t, [1, 2, 3])).toEqual([1, 2, 3]);
  });

  it("gives each @name one number, however often it is used", () => {
    const t = translatePlaceholders("UPDATE t SET a = @a, b = @b WHERE a <> @a");
    expect(t.text).toBe("UPDATE t SET a = $1, b = $2 WHERE a <> $1");
    expect(orderedValues(t, { b: "x", a: 7, extra: true })).toEqual([7, "x"]);
  });

  it("leaves ? and @ inside strings, quoted names and comments alone", () => {
    const sql = `SELECT '?', 'it''s @a', "col?" -- why? @x\n FROM t /* ? @y */ WHERE a = ? AND e = 'me@host'`;
    const t = translatePlaceholders(sql);
    expect(t.text).toBe(`SELECT '?', 'it''s @a', "col?" -- why? @x\n FROM t /* ? @y */ WHERE a = $1 AND e = 'me@host'`);
    expect(t.positional).toBe(1);
  });

  it("refuses a wrong count of values, a missing name, and a statement that mixes both kinds", () => {
    expect(() => orderedValues(translatePlaceholders("SELECT ?, ?"), [1])).toThrow(/takes 2 value/);
    expect(() => orderedValues(translatePlaceholders("SELECT @a"), {})).toThrow(/no value for @a/);
    expect(() => translatePlaceholders("SELECT ?, @a")).toThrow(/mixes/);
  });
});
