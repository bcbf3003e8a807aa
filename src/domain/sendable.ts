/**
 * Which computed lines a cart's file leaves out, and why: rule 9 (a cart pushed by alias
 * sends the alias code; a product without one, or whose code another product shares, is left
 * out), the cart's catalog (a product whose inventory is disabled there), and the writer (a
 * code the file format cannot carry). The first reason that holds is the one reported.
 * `skipReason` decides for one line; `skipReasonSql` is the same decision as a SQL expression
 * the store runs over every line; test/domain/sendable.test.ts proves them equal.
 */
export const SKIP_REASONS = ["no-alias", "duplicate-alias", "inventory-disabled", "unsendable"] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export const NO_SKIPS: Readonly<Record<SkipReason, number>> = {
  "no-alias": 0,
  "duplicate-alias": 0,
  "inventory-disabled": 0,
  unsendable: 0,
};

/**
 * What is known of one line, a fact per reason, in the order they are judged. A fact that does
 * not apply to the cart (no alias, no catalog, nothing unsendable yet) is left out.
 */
export interface SendFacts<T = boolean> {
  /** a cart by alias: the product has no code of the cart's alias type */
  noAlias?: T;
  /** a cart by alias: another product has the same code of that type */
  aliasShared?: T;
  /** the cart's catalog says inventory is disabled for the product */
  inventoryDisabled?: T;
  /** the cart's writer could not carry the line (a delimiter or a character outside the charset) */
  unsendable?: T;
}

const FACT_OF: Record<SkipReason, keyof SendFacts> = {
  "no-alias": "noAlias",
  "duplicate-alias": "aliasShared",
  "inventory-disabled": "inventoryDisabled",
  unsendable: "unsendable",
};

/** Why the line is left out of the cart's file, or null when it is sent. */
export function skipReason(facts: SendFacts): SkipReason | null {
  return SKIP_REASONS.find((r) => facts[FACT_OF[r]] === true) ?? null;
}

/**
 * The same as a SQL expression: each fact is a boolean SQL expression over the line (NULL
 * counts as false, as a missing catalog row does); the expression is the reason's text or NULL.
 */
export function skipReasonSql(facts: SendFacts<string>): string {
  const when = SKIP_REASONS.filter((r) => facts[FACT_OF[r]] !== undefined).map(
    (r) => `WHEN COALESCE(${facts[FACT_OF[r]]}, FALSE) THEN '${r}'`,
  );
  return when.length === 0 ? "NULL" : `CASE ${when.join(" ")} END`;
}
