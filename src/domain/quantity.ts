/**
 * DOMAIN rule 3: whole numbers only. A quantity is accepted when its text is an integer,
 * optionally signed, optionally with a decimal part made only of zeros ("12.00" is 12: the
 * value is whole, nothing is rounded). "12.5", "abc", "1,200" and "" are rejected.
 */
/**
 * The largest quantity one line may carry, and the largest sum of one SKU's lots in one file:
 * a trillion units. Beyond it a line is rejected (and a sum refused), so every level, sum and
 * allocation step stays an exact integer (far below 2^53) wherever it is computed.
 */
export const MAX_QUANTITY = 1_000_000_000_000;

export type QuantityResult = { ok: true; value: number } | { ok: false; reason: string };

const WHOLE = /^[+-]?\d+(?:\.0*)?$/;

export function parseWholeQuantity(text: string): QuantityResult {
  const t = text.trim();
  if (t === "") return { ok: false, reason: "quantity is empty" };
  if (!WHOLE.test(t)) {
    if (/^[+-]?\d*\.\d+$/.test(t))
      return { ok: false, reason: "quantity is not a whole number (fractions are never rounded)" };
    return { ok: false, reason: "quantity is not a number" };
  }
  const value = Number.parseInt(t, 10);
  if (!(Math.abs(value) <= MAX_QUANTITY)) {
    return {
      ok: false,
      reason: `quantity is beyond the limit of ${MAX_QUANTITY.toLocaleString("en-US")} units per line`,
    };
  }
  return { ok: true, value: value === 0 ? 0 : value }; // no -0
}
