/**
 * DOMAIN rule 14: no file wins from the future, and none from an implausible past. A level
 * dated later than the moment its file was taken (beyond the source's clock-skew tolerance)
 * would make every later file for the SKU stale and every order "already inside" it: the SKU
 * would be frozen. One dated before the source's floor is just as untrue. Both are rejects
 * of their line, with the reason.
 */
import { isoUtc } from "../util/time.js";

export const DEFAULT_CLOCK_SKEW_SECONDS = 15 * 60;
export const DEFAULT_OLDEST_AS_OF = "2000-01-01T00:00:00Z";

export interface AsOfWindow {
  /** when the file was taken, epoch ms */
  takenAt: number;
  clockSkewSeconds: number;
  /** the floor, epoch ms */
  oldest: number;
}

/** Why an as-of cannot be true, or undefined when it may be. */
export function asOfProblem(asOf: number, w: AsOfWindow): string | undefined {
  const latest = w.takenAt + w.clockSkewSeconds * 1000;
  if (asOf > latest) {
    return (
      `as-of ${isoUtc(asOf)} is later than the file was taken (${isoUtc(w.takenAt)}) plus the source's ` +
      `clock-skew tolerance (${w.clockSkewSeconds} s): a level from the future would freeze the SKU (rule 14)`
    );
  }
  if (asOf < w.oldest)
    return `as-of ${isoUtc(asOf)} is before the source's oldest plausible as-of ${isoUtc(w.oldest)} (rule 14)`;
  return undefined;
}
