import type { Interchange } from "../types.js";
import type { SyntaxError } from "./syntax.js";
import type { Delimiters, Segment } from "./tokenize.js";

/** X12 element 718 (AK5): why a transaction set is rejected. */
export const TRANSACTION_ERRORS = {
  notSupported: "1",
  trailerMissing: "2",
  controlMismatch: "3",
  countMismatch: "4",
  segmentsInError: "5",
  controlNotUnique: "23",
} as const;

/** X12 element 716 (AK9): why a functional group is rejected. */
export const GROUP_ERRORS = {
  trailerMissing: "3",
  controlMismatch: "4",
  countMismatch: "5",
  controlSyntax: "6",
  controlNotUnique: "19",
} as const;

/** X12 element I18 (TA1 note): why an interchange is rejected. */
export const INTERCHANGE_NOTES = {
  controlMismatch: "001",
  controlValue: "018",
  ackRequestedValue: "019",
  testIndicatorValue: "020",
  groupCount: "021",
  controlStructure: "022",
  prematureEnd: "023",
  content: "024",
  duplicate: "025",
} as const;

/** Something wrong with an envelope: the code the acknowledgment carries, in words, and where. */
export interface EnvelopeProblem {
  code: string;
  text: string;
  /** segment at fault (1-based in the file) */
  segment: number;
}

export interface TransactionSummary {
  st01: string;
  st02: string;
  /** position of ST in the file */
  firstSegment: number;
  /** segments from ST to SE inclusive, as received */
  segmentCount: number;
  problem?: EnvelopeProblem;
  /** the X12 syntax errors of its segments (found as its records are read) */
  syntax?: SyntaxError[];
}

export interface GroupSummary {
  gs01: string;
  /** application sender and receiver codes */
  gs02: string;
  gs03: string;
  gs06: string;
  gs08: string;
  transactions: TransactionSummary[];
  problem?: EnvelopeProblem;
}

export interface InterchangeSummary extends Interchange {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA13 */
  control: string;
  /** ISA12 */
  version: string;
  /** ISA15: P production, T test */
  usage: string;
  /** ISA14: the sender asks for a TA1 */
  ackRequested: boolean;
  delimiters: Delimiters;
  groups: GroupSummary[];
  /** position of ISA in the file */
  firstSegment: number;
  /** set when the same sender already sent this control number, in an earlier file or this one (TA1 note 025) */
  duplicateOf?: string;
  /** the interchange's envelope is broken: nothing in it is loaded (TA1 note code) */
  problem?: EnvelopeProblem;
}

/** A transaction set with its envelope, whole (ST to SE). */
export interface Transaction {
  interchange: InterchangeSummary;
  group: GroupSummary;
  isa: Segment;
  gs: Segment;
  summary: TransactionSummary;
  /** ST, body, SE (SE absent when the trailer is missing) */
  segments: Segment[];
  /** where it is: the ordinals of its interchange in the file, group in the interchange, set in the group */
  position: [number, number, number];
}

/** The envelopes of a whole file, checked, and what stood outside any interchange. */
export interface X12Structure {
  interchanges: InterchangeSummary[];
  /** problems outside any interchange (text between interchanges, an ISA that cannot be read) */
  outside: EnvelopeProblem[];
}

const el = (s: Segment, n: number) => (s.elements[n] ?? "").trim();

/** X12 counts and control numbers are numbers: `000026` is 26. Undefined when the text is not one. */
function num(text: string): number | undefined {
  return /^\d{1,18}$/.test(text) ? Number(text) : undefined;
}

/** Two control numbers are the same number (ST02/SE02 may be zero-padded differently); else the same text. */
function sameControl(a: string, b: string): boolean {
  const [x, y] = [num(a), num(b)];
  return x !== undefined && y !== undefined ? x === y : a === b;
}

/**
 * The envelope state machine, one segment at a time. It is deterministic: two walks over
 * the same segments find the same interchanges, groups and sets in the same order, which
 * is how the second pass of x12Transactions knows, before it yields a set, whether the
 * envelopes around it turned out whole.
 */
class EnvelopeWalk {
  readonly structure: X12Structure = { interchanges: [], outside: [] };
  private isa: Segment | null = null;
  private interchange: InterchangeSummary | null = null;
  private gs: Segment | null = null;
  private group: GroupSummary | null = null;
  private tx: Transaction | null = null;
  /** ISA13s of this file by sender, and where first seen */
  private seen = new Map<string, number>();

  constructor(private readonly collect: boolean) {}

  /** Feeds one segment; returns the transaction set it closed, if any. */
  push(s: Segment): Transaction | undefined {
    if (s.id === "") return this.unreadable(s);
    switch (s.id) {
      case "ISA":
        return this.startInterchange(s);
      case "GS":
        return this.startGroup(s);
      case "ST":
        return this.startTransaction(s);
      case "SE":
        return this.endTransaction(s);
      case "GE":
        return this.endGroup(s);
      case "IEA":
        return this.endInterchange(s);
      case "TA1":
        // an interchange acknowledgment coming back to us: it sits between ISA and the first GS
        if (!this.interchange || this.group)
          this.spoil(INTERCHANGE_NOTES.content, "TA1 outside its place (after ISA, before any GS)", s);
        return undefined;
      default:
        if (this.tx) {
          if (this.collect) this.tx.segments.push(s);
          else this.tx.summary.segmentCount++;
          return undefined;
        }
        this.spoil(
          INTERCHANGE_NOTES.content,
          `${s.id} segment outside a transaction set (between envelope segments)`,
          s,
        );
        return undefined;
    }
  }

  /** The end of the file: what is still open is incomplete. */
  end(): Transaction | undefined {
    const closed = this.tx ? this.closeTransaction("the file ends inside it (no SE): truncated file?", 0) : undefined;
    if (this.group) this.closeGroup("the file ends inside it (no GE): truncated file?", 0);
    if (this.interchange) {
      this.flag(
        this.interchange,
        INTERCHANGE_NOTES.prematureEnd,
        "the file ends inside it (no IEA): truncated file?",
        0,
      );
      this.isa = this.interchange = null;
    }
    return closed;
  }

  private flag(on: { problem?: EnvelopeProblem }, code: string, text: string, segment: number): void {
    on.problem ??= { code, text, segment };
  }

  /** A structural fault inside an interchange: the interchange is not loaded. */
  private spoil(code: string, text: string, s: Segment): void {
    if (this.interchange) this.flag(this.interchange, code, text, s.index);
    else this.structure.outside.push({ code, text, segment: s.index });
  }

  private unreadable(s: Segment): Transaction | undefined {
    // inside a transaction set it is a bad segment of it (its record is rejected); elsewhere the envelope is broken
    if (this.tx) return this.push({ ...s, id: "???" });
    this.spoil(INTERCHANGE_NOTES.content, s.problem ?? "unreadable segment", s);
    return undefined;
  }

  private closeTransaction(why: string, at: number): Transaction {
    const t = this.tx!;
    if (this.collect) t.summary.segmentCount = t.segments.length;
    this.flag(
      t.summary,
      TRANSACTION_ERRORS.trailerMissing,
      `transaction set ${t.summary.st01} ${t.summary.st02}: ${why}`,
      at,
    );
    this.tx = null;
    return t;
  }

  private closeGroup(why: string, at: number): void {
    this.flag(this.group!, GROUP_ERRORS.trailerMissing, `group ${this.group!.gs06}: ${why}`, at);
    this.gs = this.group = null;
  }

  private startInterchange(s: Segment): Transaction | undefined {
    const closed = this.tx
      ? this.closeTransaction(`ISA at segment ${s.index} comes first (no SE)`, s.index)
      : undefined;
    if (this.group) this.closeGroup(`ISA at segment ${s.index} comes first (no GE)`, s.index);
    if (this.interchange) {
      this.flag(
        this.interchange,
        INTERCHANGE_NOTES.prematureEnd,
        `no IEA before the next ISA (segment ${s.index})`,
        s.index,
      );
    }
    const i: InterchangeSummary = {
      from: `${el(s, 5)}:${el(s, 6)}`,
      to: `${el(s, 7)}:${el(s, 8)}`,
      sentBy: `${el(s, 5)}/${el(s, 6)}`,
      senderQualifier: el(s, 5),
      senderId: el(s, 6),
      receiverQualifier: el(s, 7),
      receiverId: el(s, 8),
      control: el(s, 13),
      version: el(s, 12),
      usage: el(s, 15),
      ackRequested: el(s, 14) === "1",
      delimiters: s.delimiters,
      groups: [],
      firstSegment: s.index,
    };
    this.isa = s;
    this.interchange = i;
    this.structure.interchanges.push(i);
    if (s.problem) this.flag(i, INTERCHANGE_NOTES.content, `ISA: ${s.problem}`, s.index);
    if (!/^\d{9}$/.test(i.control)) {
      this.flag(
        i,
        INTERCHANGE_NOTES.controlValue,
        `ISA13 ${JSON.stringify(i.control)} is not a 9-digit control number`,
        s.index,
      );
    }
    if (!["0", "1"].includes(el(s, 14))) {
      this.flag(i, INTERCHANGE_NOTES.ackRequestedValue, `ISA14 ${JSON.stringify(el(s, 14))} is not 0 or 1`, s.index);
    }
    if (!["P", "T"].includes(i.usage)) {
      this.flag(i, INTERCHANGE_NOTES.testIndicatorValue, `ISA15 ${JSON.stringify(i.usage)} is not P or T`, s.index);
    }
    const key = `${i.senderQualifier}:${i.senderId}:${i.receiverQualifier}:${i.receiverId}:${num(i.control) ?? i.control}`;
    const first = this.seen.get(key);
    if (first !== undefined) i.duplicateOf = `this file, the interchange at segment ${first}`;
    else this.seen.set(key, s.index);
    return closed;
  }

  private startGroup(s: Segment): Transaction | undefined {
    if (!this.interchange) {
      this.spoil(INTERCHANGE_NOTES.content, "GS outside an interchange", s);
      return undefined;
    }
    const closed = this.tx ? this.closeTransaction(`GS at segment ${s.index} comes first (no SE)`, s.index) : undefined;
    if (this.group) this.closeGroup(`the next GS (segment ${s.index}) comes first (no GE)`, s.index);
    const g: GroupSummary = {
      gs01: el(s, 1),
      gs02: el(s, 2),
      gs03: el(s, 3),
      gs06: el(s, 6),
      gs08: el(s, 8),
      transactions: [],
    };
    const i = this.interchange;
    if (s.problem) this.flag(g, GROUP_ERRORS.controlSyntax, `GS: ${s.problem}`, s.index);
    if (!/^\d{1,9}$/.test(g.gs06))
      this.flag(g, GROUP_ERRORS.controlSyntax, `GS06 ${JSON.stringify(g.gs06)} is not a control number`, s.index);
    if (i.groups.some((o) => sameControl(o.gs06, g.gs06))) {
      this.flag(g, GROUP_ERRORS.controlNotUnique, `GS06 ${g.gs06} is used twice in interchange ${i.control}`, s.index);
    }
    i.groups.push(g);
    this.gs = s;
    this.group = g;
    return closed;
  }

  private startTransaction(s: Segment): Transaction | undefined {
    if (!this.group) {
      this.spoil(INTERCHANGE_NOTES.content, "ST outside a functional group (no GS before it)", s);
      return undefined;
    }
    const closed = this.tx ? this.closeTransaction(`the next ST (segment ${s.index}) comes first`, s.index) : undefined;
    const summary: TransactionSummary = { st01: el(s, 1), st02: el(s, 2), firstSegment: s.index, segmentCount: 1 };
    const g = this.group;
    if (s.problem) this.flag(summary, TRANSACTION_ERRORS.segmentsInError, `ST: ${s.problem}`, s.index);
    if (g.transactions.some((t) => sameControl(t.st02, summary.st02))) {
      this.flag(
        summary,
        TRANSACTION_ERRORS.controlNotUnique,
        `ST02 ${summary.st02} is used twice in group ${g.gs06}`,
        s.index,
      );
    }
    g.transactions.push(summary);
    const i = this.interchange!;
    const position: Transaction["position"] = [
      this.structure.interchanges.length - 1,
      i.groups.length - 1,
      g.transactions.length - 1,
    ];
    this.tx = { interchange: i, group: g, isa: this.isa!, gs: this.gs!, summary, segments: [s], position };
    return closed;
  }

  private endTransaction(s: Segment): Transaction | undefined {
    const t = this.tx;
    if (!t) {
      this.spoil(INTERCHANGE_NOTES.content, "SE without ST", s);
      return undefined;
    }
    if (this.collect) t.segments.push(s);
    const count = this.collect ? t.segments.length : ++t.summary.segmentCount;
    t.summary.segmentCount = count;
    if (!sameControl(el(s, 2), t.summary.st02)) {
      const text = `SE02 ${JSON.stringify(el(s, 2))} does not match ST02 ${JSON.stringify(t.summary.st02)}`;
      this.flag(t.summary, TRANSACTION_ERRORS.controlMismatch, text, s.index);
    } else if (num(el(s, 1)) !== count) {
      this.flag(
        t.summary,
        TRANSACTION_ERRORS.countMismatch,
        `SE01 says ${el(s, 1)} segments, the transaction set has ${count}`,
        s.index,
      );
    }
    this.tx = null;
    return t;
  }

  private endGroup(s: Segment): Transaction | undefined {
    if (!this.group) {
      this.spoil(INTERCHANGE_NOTES.content, "GE without GS", s);
      return undefined;
    }
    const closed = this.tx ? this.closeTransaction(`GE at segment ${s.index} comes first (no SE)`, s.index) : undefined;
    const g = this.group;
    if (!sameControl(el(s, 2), g.gs06)) {
      this.flag(
        g,
        GROUP_ERRORS.controlMismatch,
        `GE02 ${JSON.stringify(el(s, 2))} does not match GS06 ${JSON.stringify(g.gs06)}`,
        s.index,
      );
    } else if (num(el(s, 1)) !== g.transactions.length) {
      const text = `GE01 says ${el(s, 1)} transaction sets, group ${g.gs06} has ${g.transactions.length}`;
      this.flag(g, GROUP_ERRORS.countMismatch, text, s.index);
    }
    this.gs = this.group = null;
    return closed;
  }

  private endInterchange(s: Segment): Transaction | undefined {
    const i = this.interchange;
    if (!i) {
      this.structure.outside.push({
        code: INTERCHANGE_NOTES.controlStructure,
        text: "IEA without ISA",
        segment: s.index,
      });
      return undefined;
    }
    const closed = this.tx
      ? this.closeTransaction(`IEA at segment ${s.index} comes first (no SE)`, s.index)
      : undefined;
    if (this.group) this.closeGroup(`IEA at segment ${s.index} comes first (no GE)`, s.index);
    if (!sameControl(el(s, 2), i.control) || num(el(s, 2)) === undefined) {
      const text = `IEA02 ${JSON.stringify(el(s, 2))} does not match ISA13 ${JSON.stringify(i.control)}`;
      this.flag(i, INTERCHANGE_NOTES.controlMismatch, text, s.index);
    } else if (num(el(s, 1)) !== i.groups.length) {
      this.flag(
        i,
        INTERCHANGE_NOTES.groupCount,
        `IEA01 says ${el(s, 1)} groups, interchange ${i.control} has ${i.groups.length}`,
        s.index,
      );
    }
    this.isa = this.interchange = null;
    return closed;
  }
}

/** Why nothing of this interchange may load (a duplicate, a broken envelope), or undefined. */
export function interchangeRejection(i: InterchangeSummary): string | undefined {
  if (i.duplicateOf) {
    return `interchange ${i.control} from ${i.senderQualifier}/${i.senderId} was already received (${i.duplicateOf}): duplicate control number, not loaded twice`;
  }
  if (i.problem) return `interchange ${i.control} rejected: ${i.problem.text} (segment ${i.problem.segment})`;
  return undefined;
}

/** Why nothing of this transaction set may load (its interchange, group or own envelope), or undefined. */
export function envelopeRejection(t: Pick<Transaction, "interchange" | "group" | "summary">): string | undefined {
  const rejected = interchangeRejection(t.interchange);
  if (rejected) return rejected;
  if (t.group.problem)
    return `functional group ${t.group.gs06} rejected: ${t.group.problem.text} (segment ${t.group.problem.segment})`;
  if (t.summary.problem)
    return `transaction set ${t.summary.st02} rejected: ${t.summary.problem.text} (segment ${t.summary.problem.segment})`;
  return undefined;
}

/**
 * The transaction sets of a file, with their envelopes checked. A broken envelope rejects
 * what it encloses, and only that: a set whose SE is wrong, a group whose GE is wrong, an
 * interchange whose IEA is wrong, missing, or whose control number repeats; the others
 * load. Two walks over the segments (`open` gives a fresh stream each time): the first
 * checks every envelope, the second yields each set knowing the verdict on all of them.
 */
export async function* x12Transactions(
  open: () => AsyncIterable<Segment>,
  options: {
    /** where the same interchange was loaded before, if it was */
    seenInterchange?: (i: InterchangeSummary) => Promise<string | undefined>;
    /** receives the file's structure once checked, for acknowledgments and the report */
    structure?: (s: X12Structure) => void;
  } = {},
): AsyncGenerator<Transaction> {
  const first = new EnvelopeWalk(false);
  for await (const s of open()) first.push(s);
  first.end();
  const checked = first.structure;
  // an interchange not repeated within the file may have been received in an earlier one
  if (options.seenInterchange) for (const i of checked.interchanges) i.duplicateOf ??= await options.seenInterchange(i);
  options.structure?.(checked);

  const second = new EnvelopeWalk(true);
  // the second walk's summaries are the first's, found by position
  const verdict = (t: Transaction): Transaction => {
    const i = checked.interchanges[t.position[0]];
    const g = i.groups[t.position[1]];
    return { ...t, interchange: i, group: g, summary: g.transactions[t.position[2]] };
  };
  for await (const s of open()) {
    const t = second.push(s);
    if (t) yield verdict(t);
  }
  const last = second.end();
  if (last) yield verdict(last);
}
