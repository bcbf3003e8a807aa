/**
 * DOMAIN rule 3: whole numbers only. A quantity is accepted when its text is an integer,
 * optionally signed, optionally with a decimal part made only of zeros ("12.00" is 12: the
 * value is whole, nothing is rounded). "12.5", "abc", "1,200" and "" are rejected.
 */
export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

const WHOLE = /^[+-]?\d+(?:\.0*)?$/;

export function parseWholeQuantity(text: string): QuantityResult {
  const t = text.trim();
  if (t === "") return { ok: false, reason: "quantity is empty" };
  if (!WHOLE.test(t)) {
    if (/^[+-]?\d*\.\d+$/.test(t)) return { ok: false, reason: "quantity is not a whole number (fractions are never rounded)" };
    return { ok: false, reason: "quantity is not a number" };
  }
  const value = Number.parseInt(t, 10);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: "quantity is out of range" };
  return { ok: true, value: value === 0 ? 0 : value }; // no -0
}
