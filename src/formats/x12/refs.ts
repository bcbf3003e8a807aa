import type { Segment } from "./tokenize.js";

/**
 * Where a value sits in an X12 record, as a mapping writes it:
 *
 *   BEG03                    element 3 of the BEG segment
 *   PO104-1                  component 1 of element PO104
 *   LIN02[UP|VN]             walk the qualifier/value pairs from LIN02 (LIN02/03, LIN04/05...)
 *                            and take the value after UP, else after VN
 *   QTY02 where QTY01=33|17  QTY02 of the first QTY segment whose QTY01 is 33 (else 17)
 *
 * Segments are looked up in the record first (the LIN or PO1 loop), then in the
 * transaction set's header (BIA, BEG, DTM...), then ST, GS and ISA.
 */
export interface ElementRef {
  text: string;
  segment: string;
  element: number;
  component?: number;
  qualifiers?: string[];
  where?: { element: number; values: string[] };
}

const REF =
  /^([A-Z][A-Z0-9]{1,2})(\d{2})(?:-(\d{1,2}))?(?:\[(\*|[A-Za-z0-9]+(?:\|[A-Za-z0-9]+)*)\])?(?:\s+where\s+([A-Z][A-Z0-9]{1,2})(\d{2})\s*=\s*([A-Za-z0-9]+(?:\|[A-Za-z0-9]+)*))?$/;

export function parseElementRef(text: string): ElementRef | string {
  const m = REF.exec(text.trim());
  if (!m)
    return `${JSON.stringify(text)} is not an X12 element reference (examples: BEG03, PO104-1, LIN02[UP|VN], QTY02 where QTY01=33)`;
  const [, segment, el, comp, quals, whereSeg, whereEl, whereValues] = m;
  const ref: ElementRef = { text, segment, element: Number(el) };
  if (ref.element < 1) return `${text}: elements count from 01`;
  if (comp !== undefined) ref.component = Number(comp);
  if (quals !== undefined) ref.qualifiers = quals.split("|");
  if (whereSeg !== undefined) {
    if (whereSeg !== segment) return `${text}: the where clause must test an element of ${segment}`;
    ref.where = { element: Number(whereEl), values: whereValues.split("|") };
  }
  return ref;
}

function componentOf(value: string, ref: ElementRef, s: Segment): string {
  if (ref.component === undefined) return value;
  return value.split(s.delimiters.component)[ref.component - 1] ?? "";
}

/**
 * The value `ref` points to in one segment (every pair's value for `[*]`), or undefined when that segment does not
 * carry it.
 */
function valueIn(s: Segment, ref: ElementRef): string | string[] | undefined {
  if (ref.where && !ref.where.values.includes((s.elements[ref.where.element] ?? "").trim())) return undefined;
  if (ref.qualifiers?.[0] === "*") {
    const values: string[] = [];
    for (let i = ref.element; i + 1 < s.elements.length; i += 2)
      if (s.elements[i].trim() !== "") values.push(componentOf(s.elements[i + 1], ref, s));
    return values.length ? values : undefined;
  }
  if (ref.qualifiers) {
    for (const q of ref.qualifiers) {
      for (let i = ref.element; i + 1 < s.elements.length; i += 2) {
        if (s.elements[i].trim() === q) return componentOf(s.elements[i + 1], ref, s);
      }
    }
    return undefined;
  }
  const v = s.elements[ref.element];
  return v === undefined ? undefined : componentOf(v, ref, s);
}

/**
 * The value and the segment it came from, searching the given segment lists in order. Where
 * several segments of the first scope that has one carry a value (two QTY*33 in one LIN loop),
 * all of them: a list, which a field takes only as its mapping says (combine: sum), never
 * silently the first.
 */
export function resolveRef(
  ref: ElementRef,
  scopes: ReadonlyArray<readonly Segment[]>,
): { value: string | string[]; segment: number } | undefined {
  for (const scope of scopes) {
    const found: string[] = [];
    let segment = 0;
    for (const s of scope) {
      if (s.id !== ref.segment) continue;
      const v = valueIn(s, ref) ?? (!ref.where && !ref.qualifiers ? "" : undefined);
      if (v === undefined) continue;
      if (found.length === 0) segment = s.index;
      if (Array.isArray(v)) found.push(...v);
      else found.push(v);
    }
    if (found.length > 0)
      return { value: found.length === 1 && !(ref.qualifiers?.[0] === "*") ? found[0] : found, segment };
  }
  return undefined;
}
