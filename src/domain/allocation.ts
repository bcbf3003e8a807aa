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

/** SQLite's two-argument MIN and MAX (PostgreSQL's are LEAST and GREATEST: the store's dialect gives them) */
const SQLITE_MIN_MAX = {
  least: (a: string, b: string) => `MIN(${a}, ${b})`,
  greatest: (a: string, b: string) => `MAX(${a}, ${b})`,
};

/**
 * levelForCart as an SQL expression over `available` (an integer column or expression), for
 * one cart's rules, so a million lines are computed inside SQLite without a call into
 * JavaScript per line. Equal to levelForCart for every integer (test/domain/allocation-sql):
 * SQLite's integer division truncates toward zero where floor() rounds down, which differs
 * only for negative values, and those end at 0 either way (never below 0).
 */
export function levelForCartSql(
  available: string,
  rules: CartLevelRules,
  sql: { least(a: string, b: string): string; greatest(a: string, b: string): string } = SQLITE_MIN_MAX,
): string {
  for (const k of ["minimumLevel", "buffer", "percent", "maximum"] as const) {
    const v = rules[k];
    if (v !== null && !Number.isSafeInteger(v)) throw new Error(`cart rule ${k} must be an integer, got ${v}`);
  }
  let level = rules.buffer === 0 ? `(${available})` : `(${available} - ${rules.buffer})`;
  if (rules.percent !== 100) level = `(${level} * ${rules.percent} / 100)`;
  if (rules.maximum !== null) level = sql.least(`${rules.maximum}`, level);
  level = sql.greatest("0", level);
  return rules.minimumLevel > 0 ? `CASE WHEN (${available}) < ${rules.minimumLevel} THEN 0 ELSE ${level} END` : level;
}
