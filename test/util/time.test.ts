import { describe, expect, it } from "vitest";
import { compileDatePattern, parseIso, parseWithPattern } from "../../src/util/time.js";

describe("date-times with a stated format and time zone", () => {
  it("reads ISO 8601 offsets exactly", () => {
    expect(parseIso("2026-11-20T06:00:00-05:00", undefined)).toEqual({ ok: true, value: Date.parse("2026-11-20T11:00:00Z") });
    expect(parseIso("2026-11-20T11:00:00Z", undefined)).toEqual({ ok: true, value: Date.parse("2026-11-20T11:00:00Z") });
    expect(parseIso("2026-11-20 12:00:00+0130", undefined)).toEqual({ ok: true, value: Date.parse("2026-11-20T10:30:00Z") });
    expect(parseIso("2026-11-20T11:00:00.25Z", undefined)).toEqual({ ok: true, value: Date.parse("2026-11-20T11:00:00.250Z") });
  });
  it("rejects a date-time without offset when no zone is stated (no guessing)", () => {
    expect(parseIso("2026-11-20T06:00:00", undefined)).toMatchObject({ ok: false, reason: expect.stringContaining("no UTC offset") });
  });
  it("reads a date-time without offset in the stated zone, across DST", () => {
    expect(parseIso("2026-01-15T09:00:00", "America/New_York")).toEqual({ ok: true, value: Date.parse("2026-01-15T14:00:00Z") });
    expect(parseIso("2026-07-15T09:00:00", "America/New_York")).toEqual({ ok: true, value: Date.parse("2026-07-15T13:00:00Z") });
    expect(parseIso("2026-07-15T09:00:00", "Europe/Berlin")).toEqual({ ok: true, value: Date.parse("2026-07-15T07:00:00Z") });
  });
  it("rejects dates that do not exist", () => {
    expect(parseIso("2026-02-30T00:00:00Z", undefined).ok).toBe(false);
    expect(parseIso("2026-11-20T25:00:00Z", undefined).ok).toBe(false);
    expect(parseIso("20/11/2026", undefined).ok).toBe(false);
  });
  it("reads a pattern such as MM/dd/yyyy HH:mm in its zone", () => {
    const p = compileDatePattern("MM/dd/yyyy HH:mm");
    expect(parseWithPattern("11/20/2026 06:00", p, "America/Chicago")).toEqual({ ok: true, value: Date.parse("2026-11-20T12:00:00Z") });
    expect(parseWithPattern("2026-11-20", p, "UTC").ok).toBe(false);
  });
  it("refuses patterns it cannot read", () => {
    expect(() => compileDatePattern("dd.MM")).toThrow(/yyyy/);
    expect(() => compileDatePattern("dd.MM.yy")).toThrow(/unknown token/);
    expect(() => compileDatePattern("yyyy-MM-dd QQ")).toThrow(/unknown token/);
  });
});
