import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import type { ReadContext, SourceRow, TableReader } from "../types.js";
import { x12Transactions, type InterchangeSummary, type Transaction } from "./envelope.js";
import { parseElementRef, resolveRef, type ElementRef } from "./refs.js";
import { x12FileChunks, x12Segments, X12SyntaxError, type Segment } from "./tokenize.js";

export const x12ReaderOptions = z.strictObject({
  /** the transaction set this mapping reads: 846, 850... */
  transaction: z.string().regex(/^\d{3}$/, "a transaction set id such as 846 or 850"),
  /** the segment that starts each record: LIN for an 846, PO1 for an 850 */
  record: z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/),
  /** segments that end the last record (summary segments) */
  summary: z.array(z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/)).default(["CTT", "AMT", "SE"]),
  encoding: z.enum(["utf8", "latin1"]).default("utf8"),
});

export type X12ReaderOptions = z.output<typeof x12ReaderOptions>;

/** a pseudo-column: the record's position in its transaction set (PO1 lines often carry no PO101) */
const RECORD_ORDINAL = "#record";

export function checkX12Column(column: string): string | undefined {
  if (column === RECORD_ORDINAL) return undefined;
  const r = parseElementRef(column);
  return typeof r === "string" ? r : undefined;
}

function compileRefs(wanted: readonly string[]): Array<ElementRef | null> {
  return wanted.map((w) => {
    if (w === RECORD_ORDINAL) return null;
    const r = parseElementRef(w);
    if (typeof r === "string") throw new Error(r);
    return r;
  });
}

/** Splits a transaction set into its header segments and its records (one per record segment). */
function splitRecords(t: Transaction, o: X12ReaderOptions): { header: Segment[]; records: Segment[][] } {
  const header: Segment[] = [];
  const records: Segment[][] = [];
  let current: Segment[] | null = null;
  for (const s of t.segments) {
    if (s.id === o.record) {
      current = [s];
      records.push(current);
    } else if (o.summary.includes(s.id)) current = null;
    else if (current) current.push(s);
    else if (records.length === 0) header.push(s);
  }
  return { header, records };
}

function transactionProblem(t: Transaction, o: X12ReaderOptions): string | undefined {
  const i = t.interchange;
  if (i.duplicateOf)
    return `interchange ${i.control} from ${i.senderQualifier}/${i.senderId} was already received (${i.duplicateOf}): duplicate control number, not loaded twice`;
  if (t.summary.problem)
    return `transaction set ${t.summary.st02} rejected: ${t.summary.problem.text} (segment ${t.summary.problem.segment})`;
  if (t.summary.st01 !== o.transaction)
    return `transaction set ${t.summary.st01} ${t.summary.st02} is not a ${o.transaction}, which this mapping reads`;
  return undefined;
}

async function* rowsOf(
  transactions: AsyncIterable<Transaction>,
  refs: Array<ElementRef | null>,
  o: X12ReaderOptions,
  file: string,
): AsyncGenerator<SourceRow> {
  try {
    for await (const t of transactions) {
      const problem = transactionProblem(t, o);
      const { header, records } = splitRecords(t, o);
      if (records.length === 0 && problem) {
        yield { line: t.summary.firstSegment, values: refs.map(() => undefined), problem };
        continue;
      }
      const outer = [header, [t.gs], [t.isa]];
      for (const [n, record] of records.entries()) {
        const scopes = [record, ...outer];
        const values: Array<string | undefined> = [];
        const valueLines: Array<number | undefined> = [];
        for (const ref of refs) {
          if (ref === null) {
            values.push(String(n + 1));
            valueLines.push(record[0].index);
            continue;
          }
          const found = resolveRef(ref, scopes);
          values.push(found?.value);
          valueLines.push(found?.segment);
        }
        yield { line: record[0].index, values, valueLines, problem };
      }
    }
  } catch (e) {
    if (e instanceof X12SyntaxError) throw new FileUnreadableError(`X12 envelope: ${e.message}`, file);
    throw e;
  }
}

/**
 * Records of an X12 file: one per record segment (LIN, PO1) with the segments of its loop,
 * read as a stream; a transaction set is held whole until its SE is checked.
 */
export async function openX12Table(
  file: string,
  wanted: readonly string[],
  o: X12ReaderOptions,
  context: ReadContext = {},
): Promise<TableReader> {
  const refs = compileRefs(wanted);
  const interchanges: InterchangeSummary[] = [];
  const segments = x12Segments(x12FileChunks(file, o.encoding), context.limits?.maxLineLength);
  const transactions = x12Transactions(segments, { seenInterchange: context.seenInterchange, interchanges });
  return { present: refs.map(() => true), rows: rowsOf(transactions, refs, o, file), interchanges };
}
