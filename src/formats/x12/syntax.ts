import type { Segment } from "./tokenize.js";

/**
 * X12 syntax of the segments stockfeed reads (846 and 850, 4010 and 5010), from the
 * standard's segment definitions: each element's requirement, type and length, and the
 * segment's syntax notes (P paired, R required, C conditional, L list conditional, E
 * exclusion). What breaks them is a syntax error, reported back in the 997's AK3/AK4; a
 * value that is valid X12 but that the rules refuse (a fractional quantity) is not.
 * Segments not defined here are not checked.
 */
type ElementType = "AN" | "ID" | "N0" | "R" | "DT" | "TM" | "C";

interface ElementDef {
  /** M mandatory, O optional, X conditional (per the notes) */
  req: "M" | "O" | "X";
  type: ElementType;
  min: number;
  max: number;
}

type Note = [kind: "P" | "R" | "C" | "L" | "E", ...elements: number[]];

interface SegmentDef {
  elements: ElementDef[];
  notes?: Note[];
}

const e = (req: ElementDef["req"], type: ElementType, min: number, max: number): ElementDef => ({
  req,
  type,
  min,
  max,
});

/** qualifier/value pairs (LIN04/05..., PO106/07...): conditional, paired */
function pairs(
  from: number,
  to: number,
  qualifier = e("X", "ID", 2, 2),
  value = e("X", "AN", 1, 48),
): { elements: ElementDef[]; notes: Note[] } {
  const elements: ElementDef[] = [];
  const notes: Note[] = [];
  for (let n = from; n < to; n += 2) {
    elements.push(qualifier, value);
    notes.push(["P", n, n + 1]);
  }
  return { elements, notes };
}

const linPairs = pairs(4, 32);
const po1Pairs = pairs(6, 26);
const sdqPairs = pairs(5, 23, e("X", "AN", 2, 80), e("X", "R", 1, 15));

const SEGMENTS: Record<string, SegmentDef> = {
  ST: { elements: [e("M", "ID", 3, 3), e("M", "AN", 4, 9), e("O", "AN", 1, 35)] },
  SE: { elements: [e("M", "N0", 1, 10), e("M", "AN", 4, 9)] },
  BIA: {
    elements: [
      e("M", "ID", 2, 2),
      e("M", "ID", 2, 2),
      e("M", "AN", 1, 30),
      e("M", "DT", 8, 8),
      e("O", "TM", 4, 8),
      e("O", "ID", 2, 2),
    ],
  },
  BEG: {
    elements: [
      e("M", "ID", 2, 2),
      e("M", "ID", 2, 2),
      e("M", "AN", 1, 22),
      e("O", "AN", 1, 30),
      e("M", "DT", 8, 8),
      e("O", "AN", 1, 30),
    ],
  },
  DTM: {
    elements: [
      e("M", "ID", 3, 3),
      e("X", "DT", 8, 8),
      e("X", "TM", 4, 8),
      e("O", "ID", 2, 2),
      e("X", "ID", 2, 3),
      e("X", "AN", 1, 35),
    ],
    notes: [
      ["R", 2, 3, 5],
      ["C", 4, 3],
      ["P", 5, 6],
    ],
  },
  REF: {
    elements: [e("M", "ID", 2, 3), e("X", "AN", 1, 50), e("X", "AN", 1, 80), e("O", "C", 1, 999)],
    notes: [["R", 2, 3]],
  },
  N1: {
    elements: [e("M", "ID", 2, 3), e("X", "AN", 1, 60), e("X", "ID", 1, 2), e("X", "AN", 2, 80)],
    notes: [
      ["R", 2, 3],
      ["P", 3, 4],
    ],
  },
  LIN: {
    elements: [e("O", "AN", 1, 20), e("M", "ID", 2, 2), e("M", "AN", 1, 48), ...linPairs.elements],
    notes: linPairs.notes,
  },
  QTY: {
    elements: [e("M", "ID", 2, 2), e("X", "R", 1, 15), e("O", "C", 1, 999), e("X", "AN", 1, 30)],
    notes: [
      ["R", 2, 4],
      ["E", 2, 4],
    ],
  },
  PID: {
    elements: [e("M", "ID", 1, 1), e("O", "ID", 2, 3), e("X", "ID", 2, 3), e("X", "AN", 1, 12), e("X", "AN", 1, 80)],
    notes: [
      ["C", 4, 3],
      ["R", 4, 5],
    ],
  },
  SDQ: {
    elements: [
      e("M", "ID", 2, 2),
      e("O", "ID", 1, 2),
      e("M", "AN", 2, 80),
      e("M", "R", 1, 15),
      ...sdqPairs.elements,
      e("O", "AN", 1, 12),
    ],
    notes: sdqPairs.notes,
  },
  PO1: {
    elements: [
      e("O", "AN", 1, 20),
      e("X", "R", 1, 15),
      e("X", "ID", 2, 2),
      e("X", "R", 1, 17),
      e("O", "ID", 2, 2),
      ...po1Pairs.elements,
    ],
    notes: [["C", 3, 2], ["C", 5, 4], ...po1Pairs.notes],
  },
  CTT: {
    elements: [
      e("M", "N0", 1, 6),
      e("O", "R", 1, 10),
      e("X", "R", 1, 10),
      e("X", "ID", 2, 2),
      e("X", "R", 1, 8),
      e("X", "ID", 2, 2),
      e("O", "AN", 1, 80),
    ],
    notes: [
      ["P", 3, 4],
      ["P", 5, 6],
    ],
  },
};

/** The header segment that must follow ST directly, per transaction set. */
const HEADER: Record<string, string> = { "846": "BIA", "850": "BEG" };

/** X12 element 723 (AK4) and 720 (AK3) codes */
const AK4 = {
  missing: "1",
  conditionalMissing: "2",
  tooMany: "3",
  tooShort: "4",
  tooLong: "5",
  badCharacter: "6",
  badDate: "8",
  badTime: "9",
  exclusion: "10",
};
const AK3 = { unrecognized: "1", mandatoryMissing: "3", outOfSequence: "7" };

export interface SyntaxError {
  /** the segment's position in the file */
  segment: number;
  segmentId: string;
  /** the element at fault, when there is one */
  element?: number;
  component?: number;
  /** AK4 code (element), or the AK3 code when there is no element */
  code: string;
  /** AK3 code when the fault is the segment's (unrecognized, missing, out of sequence); else 8 */
  segmentCode?: string;
  value?: string;
  /** for people */
  text: string;
  /** a fault in the set's header or envelope: no record of it can be trusted */
  rejectsSet: boolean;
}

function digits(v: string): number {
  return v.replace(/[-.]/g, "").length;
}

function validDate(v: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v) ?? (/^(\d{2})(\d{2})(\d{2})$/.exec(v) as RegExpExecArray | null);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1].length === 2 ? `20${m[1]}` : m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function validTime(v: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})?(\d{0,2})$/.exec(v);
  return !!m && Number(m[1]) <= 23 && Number(m[2]) <= 59 && (m[3] === undefined || Number(m[3]) <= 59);
}

/** Why one element's value breaks its definition: the AK4 code and words, or undefined. */
function elementFault(v: string, def: ElementDef): [code: string, text: string] | undefined {
  if (def.type === "C") return undefined;
  const length = def.type === "N0" || def.type === "R" ? digits(v) : v.length;
  if (def.type === "N0" && !/^-?\d+$/.test(v)) return [AK4.badCharacter, "is not a whole number (N0)"];
  if (def.type === "R" && !/^-?(\d+\.?\d*|\.\d+)$/.test(v)) return [AK4.badCharacter, "is not a number (R)"];
  if (def.type === "DT" && !validDate(v)) return [AK4.badDate, "is not a date (CCYYMMDD)"];
  if (def.type === "TM" && !validTime(v)) return [AK4.badTime, "is not a time (HHMM[SS])"];
  if (length < def.min) return [AK4.tooShort, `is shorter than ${def.min}`];
  if (length > def.max) return [AK4.tooLong, `is longer than ${def.max}`];
  return undefined;
}

function noteFaults(s: Segment, notes: Note[], present: (n: number) => boolean): Array<[number, string, string]> {
  const out: Array<[number, string, string]> = [];
  const name = (n: number) => `${s.id}${String(n).padStart(2, "0")}`;
  for (const [kind, ...els] of notes) {
    const there = els.filter(present);
    if (kind === "P" && there.length > 0 && there.length < els.length) {
      for (const n of els.filter((x) => !present(x)))
        out.push([n, AK4.conditionalMissing, `${name(n)} must come with ${there.map(name).join(", ")} (paired)`]);
    } else if (kind === "R" && there.length === 0) {
      out.push([els[0], AK4.conditionalMissing, `one of ${els.map(name).join(", ")} is required`]);
    } else if ((kind === "C" || kind === "L") && present(els[0])) {
      const rest = els.slice(1);
      const missing = rest.filter((x) => !present(x));
      if (kind === "C")
        for (const n of missing)
          out.push([n, AK4.conditionalMissing, `${name(n)} is required when ${name(els[0])} is there`]);
      else if (missing.length === rest.length)
        out.push([
          rest[0],
          AK4.conditionalMissing,
          `one of ${rest.map(name).join(", ")} is required when ${name(els[0])} is there`,
        ]);
    } else if (kind === "E" && there.length > 1) {
      out.push([there[1], AK4.exclusion, `${there.map(name).join(" and ")} exclude each other`]);
    }
  }
  return out;
}

/**
 * Why a value cannot be written as element `n` of segment `id` per its X12 definition (its
 * type and length), or undefined (an element not defined here is not checked).
 */
export function elementProblem(id: string, n: number, value: string): string | undefined {
  const def = SEGMENTS[id]?.elements[n - 1];
  if (!def || value === "") return undefined;
  const fault = elementFault(value, def);
  return fault
    ? `${fault[1]} (${id}${String(n).padStart(2, "0")} is ${def.type} ${def.min}/${def.max} in X12)`
    : undefined;
}

/** The syntax errors of one segment against its definition (none for a segment not defined here). */
export function segmentErrors(s: Segment, rejectsSet: boolean): SyntaxError[] {
  const base = { segment: s.index, segmentId: s.id || "???", rejectsSet };
  if (s.problem) {
    // not a segment at all (id "" or, inside a set, "???"), or a segment with a byte not valid in the encoding
    if (s.id === "" || s.id === "???")
      return [{ ...base, segmentCode: AK3.unrecognized, code: AK3.unrecognized, text: s.problem }];
    return [{ ...base, element: s.problemElement || undefined, code: AK4.badCharacter, text: s.problem }];
  }
  const def = SEGMENTS[s.id];
  if (!def) return [];
  const out: SyntaxError[] = [];
  const name = (n: number) => `${s.id}${String(n).padStart(2, "0")}`;
  const value = (n: number) => s.elements[n] ?? "";
  const present = (n: number) => value(n).trim() !== "";
  if (s.elements.length - 1 > def.elements.length) {
    out.push({
      ...base,
      element: def.elements.length + 1,
      code: AK4.tooMany,
      text: `${s.id} has ${s.elements.length - 1} elements, at most ${def.elements.length}`,
    });
  }
  def.elements.forEach((d, k) => {
    const n = k + 1;
    if (!present(n)) {
      if (d.req === "M")
        out.push({ ...base, element: n, code: AK4.missing, text: `${name(n)} is mandatory and missing` });
      return;
    }
    const fault = elementFault(value(n), d);
    if (fault)
      out.push({
        ...base,
        element: n,
        code: fault[0],
        value: value(n),
        text: `${name(n)} ${JSON.stringify(value(n))} ${fault[1]}`,
      });
  });
  for (const [n, code, text] of noteFaults(s, def.notes ?? [], present)) out.push({ ...base, element: n, code, text });
  return out;
}

/**
 * The syntax errors of a transaction set: each segment against its definition, and the set's
 * header segment (BIA, BEG) right after ST. Errors outside the records (`inRecord` false)
 * reject the whole set.
 */
export function transactionErrors(
  segments: readonly Segment[],
  st01: string,
  inRecord: (s: Segment) => boolean,
): SyntaxError[] {
  const out: SyntaxError[] = [];
  const header = HEADER[st01];
  if (header && segments[1]?.id !== header) {
    const there = segments.some((s) => s.id === header);
    out.push({
      segment: (segments[1] ?? segments[0]).index,
      segmentId: header,
      code: there ? AK3.outOfSequence : AK3.mandatoryMissing,
      segmentCode: there ? AK3.outOfSequence : AK3.mandatoryMissing,
      text: there ? `${header} must follow ST directly` : `the mandatory ${header} segment is missing`,
      rejectsSet: true,
    });
  }
  for (const s of segments) out.push(...segmentErrors(s, !inRecord(s)));
  return out;
}

/** A syntax error as a reject's words: `segment 7 (QTY): QTY02 "1.2.3" is not a number (R)`. */
export function describeSyntax(e: SyntaxError): string {
  return `segment ${e.segment} (${e.segmentId}): ${e.text}`;
}
