import { X12SyntaxError, type Delimiters, type Segment } from "./tokenize.js";

/** X12 AK5 codes for a transaction set whose envelope is wrong. */
export const TRANSACTION_ERRORS = {
  trailerMissing: "2",
  controlMismatch: "3",
  countMismatch: "4",
} as const;

export interface TransactionProblem {
  /** AK5 syntax error code */
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
  problem?: TransactionProblem;
}

export interface GroupSummary {
  gs01: string;
  gs06: string;
  gs08: string;
  transactions: TransactionSummary[];
}

export interface InterchangeSummary {
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
  delimiters: Delimiters;
  groups: GroupSummary[];
  /** set when the same sender already sent this control number (TA1 note 025) */
  duplicateOf?: string;
}

/** A transaction set with its envelope, whole (ST to SE), checked. */
export interface Transaction {
  interchange: InterchangeSummary;
  isa: Segment;
  gs: Segment;
  summary: TransactionSummary;
  /** ST, body, SE (SE absent when the trailer is missing) */
  segments: Segment[];
}

const el = (s: Segment, n: number) => (s.elements[n] ?? "").trim();

/**
 * Groups the segment stream into checked transaction sets. Envelope errors of a transaction
 * set (missing or wrong SE) mark that set, which is then rejected; the others load. Errors
 * of the group or interchange envelope (missing GE or IEA, wrong counts or control numbers)
 * make the whole file unreadable: nothing in it is loaded.
 */
export async function* x12Transactions(
  segments: AsyncIterable<Segment>,
  options: {
    /** where the same interchange was loaded before, if it was */
    seenInterchange?: (i: InterchangeSummary) => string | undefined;
    /** receives every interchange read, for acknowledgments */
    interchanges?: InterchangeSummary[];
  } = {},
): AsyncGenerator<Transaction> {
  let isa: Segment | null = null;
  let interchange: InterchangeSummary | null = null;
  let gs: Segment | null = null;
  let group: GroupSummary | null = null;
  let tx: Transaction | null = null;

  const closeTransaction = (missingTrailerAt: number): Transaction => {
    const t = tx!;
    t.summary.segmentCount = t.segments.length;
    t.summary.problem ??= {
      code: TRANSACTION_ERRORS.trailerMissing,
      text: `transaction set ${t.summary.st01} ${t.summary.st02} has no SE trailer (segment ${missingTrailerAt} comes first)`,
      segment: missingTrailerAt,
    };
    tx = null;
    return t;
  };

  for await (const s of segments) {
    switch (s.id) {
      case "ISA": {
        if (isa)
          throw new X12SyntaxError(
            `ISA inside interchange ${interchange!.control}: the previous interchange has no IEA`,
            s.index,
          );
        const control = el(s, 13);
        if (!/^\d{9}$/.test(control))
          throw new X12SyntaxError(
            `ISA13 ${JSON.stringify(control)} is not a 9-digit interchange control number`,
            s.index,
          );
        isa = s;
        interchange = {
          senderQualifier: el(s, 5),
          senderId: el(s, 6),
          receiverQualifier: el(s, 7),
          receiverId: el(s, 8),
          control,
          version: el(s, 12),
          usage: el(s, 15),
          delimiters: s.delimiters,
          groups: [],
        };
        interchange.duplicateOf = options.seenInterchange?.(interchange);
        options.interchanges?.push(interchange);
        break;
      }
      case "GS": {
        if (!isa) throw new X12SyntaxError("GS outside an interchange", s.index);
        if (tx) yield closeTransaction(s.index);
        if (gs) throw new X12SyntaxError(`GS inside group ${group!.gs06}: the previous group has no GE`, s.index);
        gs = s;
        group = { gs01: el(s, 1), gs06: el(s, 6), gs08: el(s, 8), transactions: [] };
        interchange!.groups.push(group);
        break;
      }
      case "ST": {
        if (!gs) throw new X12SyntaxError("ST outside a functional group (no GS before it)", s.index);
        if (tx) yield closeTransaction(s.index);
        const summary: TransactionSummary = { st01: el(s, 1), st02: el(s, 2), firstSegment: s.index, segmentCount: 0 };
        group!.transactions.push(summary);
        tx = { interchange: interchange!, isa: isa!, gs, summary, segments: [s] };
        break;
      }
      case "SE": {
        if (!tx) throw new X12SyntaxError("SE without ST", s.index);
        tx.segments.push(s);
        const t = tx;
        const count = el(s, 1);
        if (el(s, 2) !== t.summary.st02)
          t.summary.problem = {
            code: TRANSACTION_ERRORS.controlMismatch,
            text: `SE02 ${JSON.stringify(el(s, 2))} does not match ST02 ${JSON.stringify(t.summary.st02)}`,
            segment: s.index,
          };
        else if (count !== String(t.segments.length))
          t.summary.problem = {
            code: TRANSACTION_ERRORS.countMismatch,
            text: `SE01 says ${count} segments, the transaction set has ${t.segments.length}`,
            segment: s.index,
          };
        t.summary.segmentCount = t.segments.length;
        tx = null;
        yield t;
        break;
      }
      case "GE": {
        if (!gs) throw new X12SyntaxError("GE without GS", s.index);
        if (tx) yield closeTransaction(s.index);
        const g = group!;
        if (el(s, 2) !== g.gs06)
          throw new X12SyntaxError(
            `GE02 ${JSON.stringify(el(s, 2))} does not match GS06 ${JSON.stringify(g.gs06)}`,
            s.index,
          );
        if (el(s, 1) !== String(g.transactions.length))
          throw new X12SyntaxError(
            `GE01 says ${el(s, 1)} transaction sets, group ${g.gs06} has ${g.transactions.length}`,
            s.index,
          );
        gs = null;
        group = null;
        break;
      }
      case "IEA": {
        if (!isa) throw new X12SyntaxError("IEA without ISA", s.index);
        if (gs) throw new X12SyntaxError(`IEA before the GE of group ${group!.gs06}`, s.index);
        const i = interchange!;
        if (Number(el(s, 2)) !== Number(i.control) || !/^\d+$/.test(el(s, 2)))
          throw new X12SyntaxError(
            `IEA02 ${JSON.stringify(el(s, 2))} does not match ISA13 ${JSON.stringify(i.control)}`,
            s.index,
          );
        if (el(s, 1) !== String(i.groups.length))
          throw new X12SyntaxError(
            `IEA01 says ${el(s, 1)} groups, interchange ${i.control} has ${i.groups.length}`,
            s.index,
          );
        isa = null;
        interchange = null;
        break;
      }
      default: {
        if (!tx)
          throw new X12SyntaxError(`${s.id} segment outside a transaction set (between envelope segments)`, s.index);
        tx.segments.push(s);
      }
    }
  }
  if (tx)
    throw new X12SyntaxError(`file ends inside transaction set ${tx.summary.st02} (no SE, GE, IEA): truncated file?`);
  if (gs) throw new X12SyntaxError(`file ends inside group ${group!.gs06} (no GE, IEA): truncated file?`);
  if (isa) throw new X12SyntaxError(`file ends inside interchange ${interchange!.control} (no IEA): truncated file?`);
}

/** How the ledger of received interchanges names its two parties: qualifier:id. */
export function interchangeParties(i: InterchangeSummary): { sender: string; receiver: string } {
  return { sender: `${i.senderQualifier}:${i.senderId}`, receiver: `${i.receiverQualifier}:${i.receiverId}` };
}
