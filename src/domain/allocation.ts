/**
 * DOMAIN rules 8 and 15: from the quantity a cart may sell (available after orders) to
 * the level written in its file. Order of operations: minimum level, then buffer, percent
 * (rounded down), maximum, and never below 0.
 */
export interface CartLevelRules {
  /** rule 8: below this, send 0; 0 disables it */
  minimumLevel: number;
  /** rule 15: units held back as safety stock */
  buffer: number;
  /** rule 15: share of stock offered, whole percent 0..100 */
  percent: number;
  /** rule 15: cap; null for none */
  maximum: number | null;
}

export interface CartLevelSteps {
  available: number;
  belowMinimum: boolean;
  afterBuffer: number;
  afterPercent: number;
  afterMaximum: number;
  sent: number;
}

export function cartLevelSteps(available: number, rules: CartLevelRules): CartLevelSteps {
  const belowMinimum = rules.minimumLevel > 0 && available < rules.minimumLevel;
  const afterBuffer = available - rules.buffer;
  // integers throughout: (a - buffer) * percent is exact, so floor() rounds down exactly
  const afterPercent = Math.floor((afterBuffer * rules.percent) / 100);
  const afterMaximum = rules.maximum === null ? afterPercent : Math.min(rules.maximum, afterPercent);
  const sent = belowMinimum ? 0 : Math.max(0, afterMaximum);
  return { available, belowMinimum, afterBuffer, afterPercent, afterMaximum, sent: sent === 0 ? 0 : sent };
}

export function levelForCart(available: number, rules: CartLevelRules): number {
  return cartLevelSteps(available, rules).sent;
}
