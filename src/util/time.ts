/**
 * Date-time parsing with a stated format and time zone, without guessing: a text without a
 * UTC offset is read in the zone the mapping states, and is rejected when it states none.
 * All instants are epoch milliseconds, UTC.
 */
export type ParseResult = { ok: true; value: number } | { ok: false; reason: string };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

const DAY_MS = 86_400_000;

/** Days from 1970-01-01 to a proleptic Gregorian date, for any year as written (Date.UTC reads 0-99 as 19xx). */
function daysFromCivil(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** A UTC wall-clock time to epoch ms; the year is the year written. */
export function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

function daysInMonth(y: number, mo: number): number {
  if (mo !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(instant: number, tz: string): number {
  const parts: Record<string, number> = {};
  for (const p of zoneFormatter(tz).formatToParts(new Date(instant)))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  const asUtc = utcMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/** A wall-clock time in a zone to the instant; in a DST gap the later offset wins. */
export function zonedToInstant(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  tz: string,
): number {
  const wall = utcMs(y, mo, d, h, mi, s, ms);
  const first = zoneOffset(wall, tz);
  const guess = wall - first;
  const second = zoneOffset(guess, tz);
  return second === first ? guess : wall - second;
}

function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= daysInMonth(y, mo);
}

function fractionToMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + "00").slice(0, 3));
}

/** Real UTC offsets run from -12:00 to +14:00; anything beyond +/-14:00 is not an offset. */
const MAX_OFFSET_MINUTES = 14 * 60;

function offsetToMs(off: string): number | undefined {
  if (off.toUpperCase() === "Z") return 0;
  const sign = off[0] === "-" ? -1 : 1;
  const digits = off.slice(1).replace(":", "");
  const hh = Number(digits.slice(0, 2));
  const mm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (mm > 59 || hh * 60 + mm > MAX_OFFSET_MINUTES) return undefined;
  return sign * (hh * 60 + mm) * 60_000;
}

/** ISO 8601 date or date-time; with an offset it is exact, without one it needs a zone. */
export function parseIso(text: string, timeZone: string | undefined): ParseResult {
  const m = ISO.exec(text.trim());
  if (!m) return { ok: false, reason: "not an ISO 8601 date-time" };
  const [, ys, mos, ds, hs = "0", mis = "0", ss = "0", frac, off] = m;
  const y = Number(ys),
    mo = Number(mos),
    d = Number(ds),
    h = Number(hs),
    mi = Number(mis),
    s = Number(ss);
  if (!validParts(y, mo, d, h, mi, s)) return { ok: false, reason: "not a real calendar date-time" };
  const ms = fractionToMs(frac);
  if (off) {
    const offset = offsetToMs(off);
    if (offset === undefined)
      return { ok: false, reason: `${off} is not a UTC offset (offsets run from -14:00 to +14:00)` };
    return { ok: true, value: utcMs(y, mo, d, h, mi, s, ms) - offset };
  }
  if (!timeZone) return { ok: false, reason: "date-time has no UTC offset and the mapping states no timeZone" };
  return { ok: true, value: zonedToInstant(y, mo, d, h, mi, s, ms, timeZone) };
}

const TOKENS: Array<[string, string, string]> = [
  ["yyyy", "(\\d{4})", "y"],
  ["MM", "(\\d{2})", "M"],
  ["M", "(\\d{1,2})", "M"],
  ["dd", "(\\d{2})", "d"],
  ["d", "(\\d{1,2})", "d"],
  ["HH", "(\\d{2})", "H"],
  ["H", "(\\d{1,2})", "H"],
  ["mm", "(\\d{2})", "m"],
  ["ss", "(\\d{2})", "s"],
  ["SSS", "(\\d{3})", "S"],
];

export interface CompiledPattern {
  regex: RegExp;
  groups: string[];
}

/** Compiles a pattern such as `MM/dd/yyyy HH:mm` (tokens yyyy MM M dd d HH H mm ss SSS). */
export function compileDatePattern(pattern: string): CompiledPattern {
  let src = "^";
  const groups: string[] = [];
  let i = 0;
  outer: while (i < pattern.length) {
    for (const [tok, re, g] of TOKENS) {
      if (pattern.startsWith(tok, i)) {
        if (groups.includes(g)) throw new Error(`date pattern ${JSON.stringify(pattern)} repeats ${tok}`);
        src += re;
        groups.push(g);
        i += tok.length;
        continue outer;
      }
    }
    if (/[a-zA-Z]/.test(pattern[i]))
      throw new Error(
        `date pattern ${JSON.stringify(pattern)} has unknown token at ${JSON.stringify(pattern.slice(i))}`,
      );
    src += pattern[i].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    i += 1;
  }
  if (!groups.includes("y") || !groups.includes("M") || !groups.includes("d"))
    throw new Error(`date pattern ${JSON.stringify(pattern)} needs yyyy, MM and dd`);
  return { regex: new RegExp(src + "$"), groups };
}

export function parseWithPattern(text: string, p: CompiledPattern, timeZone: string): ParseResult {
  const m = p.regex.exec(text.trim());
  if (!m) return { ok: false, reason: "does not match the mapping's date format" };
  const v: Record<string, number> = { y: 0, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0 };
  p.groups.forEach((g, i) => (v[g] = Number(m[i + 1])));
  if (!validParts(v.y, v.M, v.d, v.H, v.m, v.s)) return { ok: false, reason: "not a real calendar date-time" };
  return { ok: true, value: zonedToInstant(v.y, v.M, v.d, v.H, v.m, v.s, v.S, timeZone) };
}

/** ISO 8601 in UTC with seconds, the form every report and output uses. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

/** Compact UTC stamp for file names: 20261123T075000Z. */
export function fileStamp(ms: number): string {
  return isoUtc(ms)
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

const X12_DATE_TIME = /^(\d{8}|\d{6})(?:\s*(\d{2})(\d{2})(?:(\d{2})(\d{0,2}))?)?$/;

/**
 * An X12 date (CCYYMMDD, or YYMMDD as in ISA09, read as 20YY) with an optional time
 * (HHMM, HHMMSS, HHMMSSd..), as one text or date and time joined by a space. X12 dates
 * carry no offset: they are read in the zone the mapping states.
 */
export function parseX12DateTime(text: string, timeZone: string): ParseResult {
  const m = X12_DATE_TIME.exec(text.trim());
  if (!m) return { ok: false, reason: "not an X12 date (CCYYMMDD) with an optional time (HHMM[SS])" };
  const [, date, hs = "0", mis = "0", ss = "0", frac] = m;
  const y = date.length === 8 ? Number(date.slice(0, 4)) : 2000 + Number(date.slice(0, 2));
  const rest = date.length === 8 ? date.slice(4) : date.slice(2);
  const mo = Number(rest.slice(0, 2)),
    d = Number(rest.slice(2, 4)),
    h = Number(hs),
    mi = Number(mis),
    s = Number(ss);
  if (!validParts(y, mo, d, h, mi, s)) return { ok: false, reason: "not a real calendar date-time" };
  return { ok: true, value: zonedToInstant(y, mo, d, h, mi, s, fractionToMs(frac), timeZone) };
}
