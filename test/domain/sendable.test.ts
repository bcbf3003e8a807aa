import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { skipReason, skipReasonSql, type SendFacts } from "../../src/domain/sendable.js";

const FACTS = ["noAlias", "aliasShared", "inventoryDisabled", "unsendable"] as const;

describe("rule 9 and the catalog: which lines a cart's file leaves out", () => {
  it("rule 9: a product without the cart's alias is left out before anything else is judged", () => {
    expect(skipReason({ noAlias: true, aliasShared: true, inventoryDisabled: true, unsendable: true })).toBe(
      "no-alias",
    );
  });
  it("rule 9: an alias code two products share is left out, never guessed", () => {
    expect(skipReason({ noAlias: false, aliasShared: true, inventoryDisabled: true })).toBe("duplicate-alias");
  });
  it("the cart's catalog: a product whose inventory is disabled there is left out", () => {
    expect(skipReason({ inventoryDisabled: true, unsendable: true })).toBe("inventory-disabled");
  });
  it("a line the writer could not carry is left out last", () => {
    expect(skipReason({ unsendable: true })).toBe("unsendable");
  });
  it("a line with no reason is sent; a fact left out does not count", () => {
    expect(skipReason({})).toBeNull();
    expect(skipReason({ noAlias: false, aliasShared: false, inventoryDisabled: false, unsendable: false })).toBeNull();
  });

  it("skipReasonSql decides as skipReason does, for every combination of facts present, true, false or NULL", () => {
    const db = new Database(":memory:");
    // each fact absent, or present with the value true, false or NULL (a missing catalog row)
    const options = [undefined, true, false, null] as const;
    const combos: Array<Array<(typeof options)[number]>> = [[]];
    for (let i = 0; i < FACTS.length; i++)
      combos.splice(0, combos.length, ...combos.flatMap((c) => options.map((o) => [...c, o])));
    let compared = 0;
    for (const combo of combos) {
      const present = FACTS.filter((_, i) => combo[i] !== undefined);
      const facts: SendFacts<string> = Object.fromEntries(present.map((f) => [f, `json_extract(value, '$.${f}')`]));
      const values = Object.fromEntries(present.map((f) => [f, combo[FACTS.indexOf(f)]]));
      const sql = `SELECT ${skipReasonSql(facts)} AS reason FROM json_each(?)`;
      const got = (db.prepare(sql).get(JSON.stringify([values])) as { reason: string | null }).reason;
      const plain = Object.fromEntries(present.map((f) => [f, values[f] === true]));
      expect(got, JSON.stringify(values)).toBe(skipReason(plain));
      compared++;
    }
    expect(compared).toBe(4 ** FACTS.length);
    db.close();
  });
});
