import { describe, expect, it } from "vitest";
import { compileDatePattern, parseIso, parseWithPattern } from "../../src/util/time.js";

describe("date-times with a stated format and time zone", () => {
  it("reads ISO 8601 offsets exactly", () => {
    expect(parseIso("2026-11-20T06:00:00-05:00", undefined)).toEqual({
      ok: true,
      value: Date.parse("2026-11-20T11:00:00Z"),
    });
    expect(parseIso("2026-11-20T11:00:00Z", undefined)).toEqual({
      ok: true,
      value: Date.parse("2026-11-20T11:00:00Z"),
    });
    expect(parseIso("2026-11-20 12:00:00+0130", undefined)).toEqual({
      ok: true,
      value: Date.parse("2026-11-20T10:30:00Z"),
    });
    expect(parseIso("2026-11-20T11:00:00.25Z", undefined)).toEqual({
      ok: true,
      value: Date.parse("2026-11-20T11:00:00.250Z"),
    });
  });
  it("rejects a date-time without offset when no zone is stated (no guessing)", () => {
    expect(parseIso("2026-11-20T06:00:00", undefined)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("no UTC offset"),
    });
  });
  it("reads a date-time without offset in the stated zone, across DST", () => {
    expect(parseIso("2026-01-15T09:00:00", "America/New_York")).toEqual({
      ok: true,
      value: Date.parse("2026-01-15T14:00:00Z"),
    });
    expect(parseIso("2026-07-15T09:00:00", "America/New_York")).toEqual({
      ok: true,
      value: Date.parse("2026-07-15T13:00:00Z"),
    });
    expect(parseIso("2026-07-15T09:00:00", "Europe/Berlin")).toEqual({
      ok: true,
      value: Date.parse("2026-07-15T07:00:00Z"),
    });
  });
  it("rejects dates that do not exist", () => {
    expect(parseIso("2026-02-30T00:00:00Z", undefined).ok).toBe(false);
    expect(parseIso("2026-11-20T25:00:00Z", undefined).ok).toBe(false);
    expect(parseIso("20/11/2026", undefined).ok).toBe(false);
  });
  it("reads a pattern such as MM/dd/yyyy HH:mm in its zone", () => {
    const p = compileDatePattern("MM/dd/yyyy HH:mm");
    expect(parseWithPattern("11/20/2026 06:00", p, "America/Chicago")).toEqual({
      ok: true,
      value: Date.parse("2026-11-20T12:00:00Z"),
    });
    expect(parseWithPattern("2026-11-20", p, "UTC").ok).toBe(false);
  });
  it("refuses patterns it cannot read", () => {
    expect(() => compileDatePattern("dd.MM")).toThrow(/yyyy/);
    expect(() => compileDatePattern("dd.MM.yy")).toThrow(/unknown token/);
    expect(() => compileDatePattern("yyyy-MM-dd QQ")).toThrow(/unknown token/);
  });
});

describe("rule 14: a date-time is read as written, or rejected", () => {
  it("reads a year below 100 as that year, not as 19xx", () => {
    const r = parseIso("0026-11-20T00:00:00Z", undefined);
    expect(r.ok && new Date(r.value).getUTCFullYear()).toBe(26);
    const p = compileDatePattern("yyyy-MM-dd");
    const q = parseWithPattern("0099-01-31", p, "UTC");
    expect(q.ok && new Date(q.value).toISOString()).toBe("0099-01-31T00:00:00.000Z");
    expect(parseIso("0100-02-29T00:00:00Z", undefined).ok).toBe(false); // 100 is not a leap year
    expect(parseIso("0004-02-29T00:00:00Z", undefined).ok).toBe(true);
  });
  it("rejects an offset beyond +/-14:00 or with more than 59 minutes", () => {
    expect(parseIso("2026-11-20T00:00:00+14:00", undefined)).toEqual({
      ok: true,
      value: Date.parse("2026-11-19T10:00:00Z"),
    });
    expect(parseIso("2026-11-20T00:00:00-12:00", undefined).ok).toBe(true);
    for (const off of ["+14:01", "+15:00", "-99:00", "+0560", "+2400"]) {
      expect(parseIso(`2026-11-20T00:00:00${off}`, undefined)).toMatchObject({
        ok: false,
        reason: expect.stringContaining("not a UTC offset"),
      });
    }
  });
});
