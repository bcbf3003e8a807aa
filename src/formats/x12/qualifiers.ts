/**
 * An X12 product id qualifier says what the value beside it is (LIN02 UP: LIN03 is a UPC). A
 * cart file that writes a qualifier with the wrong kind of code tells the partner a SKU is a
 * UPC: refused when the mapping is compiled (a qualifier beside `sku`), and at config load,
 * where the cart's alias says what its `code` is.
 */

/** the codes each qualifier must carry: the merchant's SKU, or an alias of one of these types */
const CARRIES: Record<string, "sku" | string[]> = {
  SK: "sku",
  VN: "sku",
  VP: "sku",
  UP: ["upc"],
  UA: ["upc"],
  EN: ["ean", "gtin"],
  UK: ["gtin"],
  IB: ["isbn"],
};

const TARGET = /^([A-Z][A-Z0-9]{1,2})(\d{2})$/;

export interface OutputColumn {
  target: string;
  field?: string;
  constant?: string;
}

/** the qualifier/value pairs of a mapping: a constant qualifier, and the field in the element after it */
function pairs(columns: readonly OutputColumn[]): Array<{ qualifier: string; at: string; value: OutputColumn }> {
  const out: Array<{ qualifier: string; at: string; value: OutputColumn }> = [];
  for (const c of columns) {
    const m = TARGET.exec(c.target);
    if (!m || c.constant === undefined || !Object.hasOwn(CARRIES, c.constant)) continue;
    const next = `${m[1]}${String(Number(m[2]) + 1).padStart(2, "0")}`;
    const value = columns.find((x) => x.target === next && x.field !== undefined);
    if (value) out.push({ qualifier: c.constant, at: c.target, value });
  }
  return out;
}

const kindOf = (carries: "sku" | string[]) =>
  carries === "sku" ? "the SKU" : `a ${carries.join(" or ").toUpperCase()}`;

/** Problems a mapping shows by itself: a qualifier that says UPC beside the SKU. */
export function mappingQualifierProblems(columns: readonly OutputColumn[]): string[] {
  return pairs(columns)
    .filter(({ qualifier, value }) => value.field === "sku" && CARRIES[qualifier] !== "sku")
    .map(
      ({ qualifier, at, value }) =>
        `${at} ${qualifier} says ${value.target} is ${kindOf(CARRIES[qualifier])}, but it carries field sku`,
    );
}

/** Problems of a mapping used by a cart: its `code` is the SKU (no alias) or a code of the cart's alias type. */
export function cartQualifierProblems(columns: readonly OutputColumn[], alias: string | null): string[] {
  const out: string[] = [];
  for (const { qualifier, at, value } of pairs(columns)) {
    if (value.field !== "code") continue;
    const carries = CARRIES[qualifier];
    const what = alias === null ? "the SKU (the cart has no alias)" : `its ${alias} alias`;
    const fits =
      carries === "sku" ? alias === null : alias !== null && carries.some((t) => alias.toLowerCase().includes(t));
    if (!fits)
      out.push(`${at} ${qualifier} says ${value.target} is ${kindOf(carries)}, but the cart pushes ${what} as code`);
  }
  return out;
}
