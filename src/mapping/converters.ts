/**
 * How a mapping's field reads its text: a converter per canonical type (whole numbers, decimals,
 * dates in the mapping's pattern and zone, yes/no words, order statuses, units of measure).
 */
import { parseWholeQuantity } from "../domain/quantity.js";
import { problemAt, type LocatedYaml } from "../config/yaml.js";
import { compileDatePattern, isValidTimeZone, parseIso, parseWithPattern, parseX12DateTime } from "../util/time.js";
import { UNITS, type CanonicalField, type Unit } from "./kinds.js";
import type { FieldSpec } from "./schema.js";

export type Value = string | number | boolean | string[] | null;
export type Converted = { ok: true; value: Value } | { ok: false; reason: string };
export type Converter = (text: string) => Converted;

export const TRUE_WORDS = ["y", "yes", "true", "1", "t"];
export const FALSE_WORDS = ["n", "no", "false", "0", "f"];
export const ORDER_STATUS: Record<string, "open" | "shipped" | "cancelled"> = {
  open: "open",
  new: "open",
  pending: "open",
  processing: "open",
  shipped: "shipped",
  fulfilled: "shipped",
  cancelled: "cancelled",
  canceled: "cancelled",
};

/**
 * The converter of a field; a time's answers to the same text as the line before are reused
 * (a WMS file's lines mostly share one as-of: parsing it a million times costs seconds).
 */
export function converterFor(
  y: LocatedYaml,
  path: (string | number)[],
  f: CanonicalField,
  spec: FieldSpec,
  problems: string[],
): Converter {
  const convert = converterOfType(y, path, f, spec, problems);
  if (f.type !== "datetime") return convert;
  let lastText: string | undefined;
  let last: Converted = { ok: false, reason: "" };
  return (t) => (t === lastText ? last : ((lastText = t), (last = convert(t))));
}

export function converterOfType(
  y: LocatedYaml,
  path: (string | number)[],
  f: CanonicalField,
  spec: FieldSpec,
  problems: string[],
): Converter {
  const renamed = spec.values ? new Map(Object.entries(spec.values).map(([k, v]) => [k.toLowerCase(), v])) : undefined;
  const rename = (t: string) => renamed?.get(t.toLowerCase()) ?? t;
  switch (f.type) {
    case "string":
      return (t) => ({ ok: true, value: rename(t) });
    case "integer":
      return (t) => {
        const q = parseWholeQuantity(rename(t));
        if (!q.ok) return q;
        if (f.min !== undefined && q.value < f.min) return { ok: false, reason: `must be at least ${f.min}` };
        return q;
      };
    case "decimal": {
      const factor = unitFactor(y, path, f, spec, problems);
      const divisor = typeof spec.divideBy === "number" ? spec.divideBy : 1;
      return (t) => {
        const text = rename(t);
        if (!DECIMAL.test(text))
          return { ok: false, reason: "not a decimal number (digits with an optional point, e.g. 12.50)" };
        if (factor === 1 && divisor === 1) return { ok: true, value: normalDecimal(text) };
        return {
          ok: true,
          value: factor === 1 ? divided(Number(text), divisor) : roundedDecimal((Number(text) * factor) / divisor, 4),
        };
      };
    }
    case "list":
      return (t) => ({ ok: true, value: [rename(t)] });
    case "boolean": {
      const yes = (spec.true ?? TRUE_WORDS).map((w) => w.toLowerCase());
      const no = (spec.false ?? FALSE_WORDS).map((w) => w.toLowerCase());
      return (t) => {
        const w = rename(t).toLowerCase();
        if (yes.includes(w)) return { ok: true, value: true };
        if (no.includes(w)) return { ok: true, value: false };
        return { ok: false, reason: `not a yes/no value (expected one of ${[...yes, ...no].join(", ")})` };
      };
    }
    case "orderStatus":
      return (t) => {
        const s = ORDER_STATUS[rename(t).toLowerCase()];
        return s
          ? { ok: true, value: s }
          : { ok: false, reason: "unknown order status (expected open, shipped or cancelled)" };
      };
    case "datetime": {
      const tz = spec.timeZone;
      if (tz !== undefined && !isValidTimeZone(tz))
        problems.push(problemAt(y, [...path, "timeZone"], `unknown time zone ${JSON.stringify(tz)}`));
      const format = spec.format ?? "iso8601";
      if (format === "iso8601") return (t) => parseIso(t, tz);
      if (format === "epoch-seconds" || format === "epoch-millis") {
        const scale = format === "epoch-seconds" ? 1000 : 1;
        return (t) =>
          /^\d+$/.test(t) ? { ok: true, value: Number(t) * scale } : { ok: false, reason: `not ${format}` };
      }
      if (tz === undefined) {
        problems.push(
          problemAt(y, path, `format ${JSON.stringify(format)} needs a timeZone (dates in it carry no UTC offset)`),
        );
        return () => ({ ok: false, reason: "no time zone" });
      }
      if (format === "x12") return (t) => parseX12DateTime(t, tz);
      try {
        const p = compileDatePattern(format);
        return (t) => parseWithPattern(t, p, tz);
      } catch (e) {
        problems.push(problemAt(y, [...path, "format"], (e as Error).message));
        return () => ({ ok: false, reason: "bad format" });
      }
    }
  }
}

export const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** "+012.50" -> "12.50": sign and leading zeros dropped, the written decimals kept. */
export function normalDecimal(t: string): string {
  const neg = t.startsWith("-");
  let body = t.replace(/^[+-]/, "");
  if (body.startsWith(".")) body = `0${body}`;
  if (body.endsWith(".")) body = body.slice(0, -1);
  body = body.replace(/^0+(?=\d)/, "");
  return neg && /[1-9]/.test(body) ? `-${body}` : body;
}

/** An amount divided by a power of ten keeps that many decimals (2800 / 100 = 28.00), others at most 4. */
export function divided(n: number, by: number): string {
  const k = Math.log10(by);
  return Number.isInteger(k) ? normalDecimal((n / by).toFixed(k)) : roundedDecimal(n / by, 4);
}

/** A converted measure or divided amount: at most `places` decimals, trailing zeros dropped. */
export function roundedDecimal(n: number, places: number): string {
  return normalDecimal(n.toFixed(places).replace(/(\.\d*?)0+$/, "$1"));
}

/** The factor from a unit to a measure field's unit; a reason when they do not fit. */
export function conversion(f: CanonicalField, unit: string): number | string {
  const from = Object.hasOwn(UNITS, unit) ? UNITS[unit as Unit] : undefined;
  const to = UNITS[f.unit!];
  if (!from || from.dimension !== to.dimension) {
    const fits = Object.entries(UNITS)
      .filter(([, u]) => u.dimension === to.dimension)
      .map(([k]) => k);
    return `unknown ${to.dimension} unit ${JSON.stringify(unit)} (known: ${fits.join(", ")})`;
  }
  return from.inBase / to.inBase;
}

export function unitFactor(
  y: LocatedYaml,
  path: (string | number)[],
  f: CanonicalField,
  spec: FieldSpec,
  problems: string[],
): number {
  // no unit, or one on a field that takes none (reported by the caller)
  if (spec.unit === undefined || !f.unit) return 1;
  // a unit read per record is applied when the record is mapped
  if (typeof spec.unit !== "string") return 1;
  const factor = conversion(f, spec.unit);
  if (typeof factor === "string") {
    problems.push(problemAt(y, [...path, "unit"], factor));
    return 1;
  }
  return factor;
}
