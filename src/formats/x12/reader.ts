import type { ReadStream } from "node:fs";
import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import type { ReadContext, SourceRow, TableReader } from "../types.js";
import { detectEncoding, segmentDecoder, X12_ENCODINGS } from "./encoding.js";
import { describeSyntax, transactionErrors, type SyntaxError } from "./syntax.js";
import {
  envelopeRejection,
  interchangeRejection,
  x12Transactions,
  type EnvelopeProblem,
  type InterchangeSummary,
  type Transaction,
  type X12Structure,
} from "./envelope.js";
import { parseElementRef, resolveRef, type ElementRef } from "./refs.js";
import { x12FileChunks, x12Segments, X12SyntaxError, type Segment } from "./tokenize.js";

export const x12ReaderOptions = z.strictObject({
  /** the transaction set this mapping reads: 846, 850... */
  transaction: z.string().regex(/^\d{3}$/, "a transaction set id such as 846 or 850"),
  /** the segment that starts each record: LIN for an 846, PO1 for an 850 */
  record: z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/),
  /** segments that end the last record (summary segments) */
  summary: z.array(z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/)).default(["CTT", "AMT", "SE"]),
  /** a record whose segments break the X12 syntax: rejected, or loaded (the 997 reports it either way) */
  syntaxErrors: z.enum(["reject", "load"]).default("reject"),
  /** CTT02 (hash total), when present, is checked against the sum of this element over the set's records, e.g. PO102 */
  hashTotal: z
    .string()
    .refine((r) => typeof parseElementRef(r) !== "string", "an X12 element reference, e.g. PO102")
    .optional(),
  /** auto: UTF-8 when the file is valid UTF-8, else Latin-1; a byte not valid in the encoding rejects its segment */
  encoding: z.enum(X12_ENCODINGS).default("auto"),
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
  const rejected = envelopeRejection(t);
  if (rejected) return rejected;
  if (t.summary.st01 !== o.transaction)
    return `transaction set ${t.summary.st01} ${t.summary.st02} is not a ${o.transaction}, which this mapping reads`;
  return undefined;
}

async function* rowsOf(
  transactions: AsyncIterable<Transaction>,
  refs: Array<ElementRef | null>,
  o: X12ReaderOptions,
  file: string,
  note: (text: string) => void,
): AsyncGenerator<SourceRow> {
  const acknowledgments = new Set<string>();
  try {
    for await (const t of transactions) {
      // a 997 (or 999) coming back to us acknowledges what we sent: it is not this feed's data, nor a reject
      if (t.group.gs01 === "FA") {
        const key = `${t.interchange.control}/${t.group.gs06}`;
        if (!acknowledgments.has(key))
          note(
            `${t.summary.st01} acknowledgment in interchange ${t.interchange.control} (group ${t.group.gs06}): not data for this feed, not loaded`,
          );
        acknowledgments.add(key);
        continue;
      }
      const problem = transactionProblem(t, o);
      const { header, records } = splitRecords(t, o);
      if (records.length === 0 && problem) {
        yield { line: t.summary.firstSegment, values: refs.map(() => undefined), problem };
        continue;
      }
      const outer = [header, [t.gs], [t.isa]];
      // X12 syntax: an error in a record's segments rejects that record; in the header or envelope, every record
      const totals = problem ? undefined : controlTotals(t, records, o);
      const syntaxOf = problem ? () => undefined : syntaxChecker(t, records, o.syntaxErrors === "load");
      const headerProblem = syntaxOf(header);
      for (const [n, record] of records.entries()) {
        const scopes = [record, ...outer];
        const values: Array<string | string[] | undefined> = [];
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
        yield {
          line: record[0].index,
          values,
          valueLines,
          problem: problem ?? totals ?? headerProblem ?? syntaxOf(record),
        };
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
  const notes: string[] = [];
  const detected = o.encoding === "auto" ? await detectEncoding(file) : { encoding: o.encoding };
  if ("note" in detected && detected.note) notes.push(detected.note);
  const tokenize = {
    maxSegment: context.limits?.maxLineLength,
    decode: segmentDecoder(detected.encoding),
    note: (text: string): void => void notes.push(text),
  };
  const structure: X12Structure = { interchanges, outside: [] };
  // the file is walked twice (structure, then records): a reader dropped mid-walk closes what is open
  const opened = new Set<ReadStream>();
  const transactions = x12Transactions(() => x12Segments(x12FileChunks(file, opened), tokenize), {
    seenInterchange: context.seenInterchange,
    structure: (s) => {
      interchanges.push(...s.interchanges);
      structure.outside.push(...s.outside);
      // the first walk's notes are the second's too: told once
      tokenize.note = () => {};
    },
  });
  const rows = withOutside(
    rowsOf(transactions, refs, o, file, (text) => notes.push(text)),
    structure,
    refs.length,
  );
  const close = (): void => {
    for (const stream of opened) stream.destroy();
    opened.clear();
  };
  return { present: refs.map(() => true), rows, interchanges, notes, close };
}

/**
 * The set's control totals, when its CTT carries them: CTT01 the number of line items (a set
 * that lost records must not load as a full list), CTT02 the hash total of the mapping's
 * `hashTotal` element. A mismatch rejects every record of the set, naming both numbers.
 */
function controlTotals(t: Transaction, records: Segment[][], o: X12ReaderOptions): string | undefined {
  const ctt = t.segments.find((s) => s.id === "CTT");
  if (!ctt) return undefined;
  const count = (ctt.elements[1] ?? "").trim();
  if (count !== "" && Number(count) !== records.length) {
    return `transaction set ${t.summary.st02} rejected: CTT01 says ${count} line items, the set has ${records.length} (segment ${ctt.index})`;
  }
  const hash = (ctt.elements[2] ?? "").trim();
  if (hash === "" || !o.hashTotal) return undefined;
  const ref = parseElementRef(o.hashTotal) as ElementRef;
  let total = 0;
  for (const r of records) {
    const v = resolveRef(ref, [r])?.value;
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) total += Number(x) || 0;
  }
  if (Math.abs(total - Number(hash)) > 1e-6) {
    return `transaction set ${t.summary.st02} rejected: CTT02 hash total ${hash} is not the sum of ${o.hashTotal} over its records (${total}) (segment ${ctt.index})`;
  }
  return undefined;
}

/**
 * Checks a set's segments against the X12 syntax (kept on its summary for the 997) and
 * answers, for some of its segments, the first error among them as a row's problem.
 */
function syntaxChecker(
  t: Transaction,
  records: Segment[][],
  loadAnyway: boolean,
): (segments: readonly Segment[]) => string | undefined {
  const inRecords = new Set(records.flat());
  const errors = transactionErrors(t.segments, t.summary.st01, (s) => inRecords.has(s));
  t.summary.syntax = errors;
  const bySegment = new Map<number, SyntaxError>();
  for (const e of errors) if (!bySegment.has(e.segment)) bySegment.set(e.segment, e);
  const setWide = errors.find((e) => e.rejectsSet);
  return (segments) => {
    if (setWide) return `transaction set ${t.summary.st02} not read: ${describeSyntax(setWide)}`;
    if (loadAnyway) return undefined;
    const first = segments.map((s) => bySegment.get(s.index)).find((e) => e !== undefined);
    return first ? describeSyntax(first) : undefined;
  };
}

/**
 * The rows, then a rejected row for what no transaction set's row told: a problem outside any
 * interchange (text between interchanges...), an interchange or group rejected with no set in it.
 */
async function* withOutside(
  rows: AsyncIterable<SourceRow>,
  structure: { interchanges: InterchangeSummary[]; outside: EnvelopeProblem[] },
  width: number,
): AsyncGenerator<SourceRow> {
  yield* rows;
  const row = (line: number, problem: string): SourceRow => ({ line, values: Array(width).fill(undefined), problem });
  for (const i of structure.interchanges) {
    const sets = i.groups.reduce((n, g) => n + g.transactions.length, 0);
    const rejected = interchangeRejection(i);
    if (rejected && sets === 0) yield row(i.problem?.segment || i.firstSegment, rejected);
    for (const g of i.groups)
      if (g.problem && g.transactions.length === 0 && !rejected)
        yield row(g.problem.segment, `functional group ${g.gs06} rejected: ${g.problem.text}`);
  }
  for (const p of structure.outside) yield row(p.segment, p.text);
}
