import type { z } from "zod";
import type { InputLimits } from "../mapping/limits.js";

/** One data row of an input file, its values aligned with the columns the mapping asked for. */
export interface SourceRow {
  /** physical line where the row starts (1 = first line of the file) */
  line: number;
  /** undefined where the file has no such column; a list where the column holds several values (JSON arrays) */
  values: Array<string | string[] | undefined>;
  /** set when the row's shape is wrong (field count...): the mapper rejects the line with it */
  problem?: string;
  /** where each value was found, when that differs from `line` (X12: the segment of each element) */
  valueLines?: Array<number | undefined>;
}

/** What a reader may ask of the pipeline while it reads. */
export interface ReadContext {
  /** X12: where this interchange (sender and control number) was loaded before, if it was */
  seenInterchange?(i: Interchange): Promise<string | undefined>;
  /** the mapping's limits on lines and headers (default: DEFAULT_LIMITS) */
  limits?: InputLimits;
}

export interface TableReader {
  /** for each wanted column, whether the file has it */
  present: boolean[];
  rows: AsyncIterable<SourceRow>;
  /** the same rows a chunk at a time, where the reader has them so (CSV): read one or the other */
  batches?: AsyncIterable<SourceRow[]>;
  /** X12: the interchanges read, filled in as rows are read (for acknowledgments) */
  interchanges?: Interchange[];
  /**
   * things the reader noticed that are not rejects (the encoding it chose, bytes ignored at the end), filled as rows
   * are read
   */
  notes?: string[];
  /** releases the file, read to its end or not; the caller calls it on every path (calling it twice is harmless) */
  close(): void;
}

export interface RecordWriter {
  /**
   * writes one record; returns why it was left out when the format cannot carry its values.
   * May answer at once (no promise) when nothing had to go to disk: callers of hot loops
   * await only a promise (a million awaits cost a million microtask turns).
   */
  write(values: readonly string[]): Promise<string | undefined> | string | undefined;
  /** flushes, syncs to disk and closes; returns bytes written */
  close(): Promise<number>;
  /** the sha256 (hex) of the bytes written, once closed */
  sha256(): string;
  /** closes without completing (the caller removes the file) */
  abort(): Promise<void>;
  /**
   * writes a record read back from an earlier file of the same writer and options
   * (FormatDefinition.keptRecords), exactly as it is there; a format that reads none back has none
   */
  copy?(record: KeptRecord): Promise<void> | undefined;
  /**
   * writes whole records of an earlier file of the same writer and options (FormatDefinition.keptBody),
   * the bytes as they are there, terminators included
   */
  copyBytes?(bytes: Buffer): Promise<void> | undefined;
}

/**
 * How the records of a file a writer wrote lie in its bytes, for a patch that copies the
 * unchanged ones as they are, many at a time, without reading each: its records come after an
 * opening and before a closing, each ends with the same terminator, and where the bytes are
 * `plain` every terminator ends a record (so a record can be found by bisecting the bytes).
 */
export interface KeptBody {
  /** the length of the bytes before the first record once `head` holds them all; undefined while it needs more */
  opening(head: Buffer): number | undefined;
  /** the bytes after the last record, as the writer ends every file */
  closing: Buffer;
  /** the bytes every record ends with */
  terminator: Buffer;
  /** true when in bytes[start, end) every terminator ends a record (CSV: no quoted value there) */
  plain(bytes: Buffer, start: number, end: number): boolean;
  /** where the record at `start` ends (after its terminator), -1 when not before `end` */
  recordEnd(bytes: Buffer, start: number, end: number): number;
  /** the key column's value of the record bytes[start, end) */
  key(bytes: Buffer, start: number, end: number): string;
}

/** A record of an earlier file of a writer, read back to patch that file into the next one. */
export interface KeptRecord {
  /** the value of the key column (the code), as the record carries it */
  key: string;
  /** the record's text, as the file has it */
  text: string;
  /** X12: the record's value summed into its transaction set's CTT02 (x12.quantityTotal) */
  total?: number;
}

/**
 * The control numbers an envelope takes for one file, a level each (X12: ISA13, GS06 and the
 * first ST02; EDIFACT would be UNB, UNG, UNH); never reused for the same partner.
 */
export interface ControlNumbers {
  isa: number;
  gs: number;
  /** the first set's number; the sets of the interchange count up from it */
  st: number;
}

/** What a writer may need beyond its records. */
export interface WriteContext {
  /** the snapshot's time */
  now: number;
  /** how many records will be written (X12 plans its transaction sets by it) */
  plannedRecords: number;
  /** a format whose files carry a partner's envelope (`envelope` below): its settings and control numbers */
  envelope?: {
    /** the cart's settings under `output.<key>`, as the format's envelope schema reads them */
    settings: unknown;
    /** reserves the control numbers of one interchange with `transactions` sets; committed at once, never reused */
    reserve(transactions: number): Promise<ControlNumbers>;
  };
}

/**
 * An envelope a file's records arrived in (X12: an ISA interchange): who sent it to whom and
 * under which control number, as the ledger keys it; a format's summary extends it.
 */
export interface Interchange {
  /** the sender, as the ledger keys it (X12: ISA05:ISA06) */
  from: string;
  /** the receiver (X12: ISA07:ISA08) */
  to: string;
  control: string;
  /** the same sender's control number was received before: where (nothing in it is loaded) */
  duplicateOf?: string;
  /** the sender as reports name it (X12: ZZ/WAREHOUSE) */
  sentBy: string;
  /** the envelope is broken: nothing in it is loaded */
  problem?: { text: string };
}

/** An acknowledgment to send back for an interchange read: who from and to (ids), its control number, its bytes. */
export interface Acknowledgment {
  sender: string;
  receiver: string;
  control: string;
  content: string;
}

/** A column of an output mapping, as format checks see it. */
export interface OutputColumnSpec {
  target: string;
  field?: string;
  constant?: string;
}

/**
 * The partner's envelope an output of the format needs (X12: ids, qualifiers, delimiters,
 * version), under `output.<key>` of a cart; the generic code asks it, never the format's name.
 */
export interface OutputEnvelope {
  /** the key under a cart's `output:` that holds it */
  key: string;
  /** its settings' schema: the config schema, its JSON Schema and its reference are made from it */
  schema: z.ZodType;
  /** what the settings are, for the config reference */
  description: string;
  /** the settings' problems for this cart, each at its path under `output:` */
  problems(
    settings: unknown,
    columns: readonly OutputColumnSpec[],
    alias: string | null,
  ): Array<{ at: string[]; message: string }>;
  /** whose control numbers a file uses: one sequence per partner */
  partner(settings: unknown): string;
}

export interface FormatDefinition<R extends z.ZodType = z.ZodType, W extends z.ZodType = z.ZodType> {
  name: string;
  /** options of the format's reader, under the format's name in a mapping file */
  readerOptions: R;
  writerOptions: W;
  openTable(file: string, wanted: readonly string[], options: z.output<R>, context?: ReadContext): Promise<TableReader>;
  /** checks, when the mapping is compiled, that each wanted column is a valid reference for this format */
  checkColumn?(column: string, options: z.output<R>): string | undefined;
  createWriter(
    file: string,
    headers: readonly string[] | null,
    options: z.output<W>,
    context: WriteContext,
  ): Promise<RecordWriter>;
  /** checks, when the mapping is compiled, that an output column's target suits this format */
  checkTarget?(target: string, options: z.output<W>): string | undefined;
  /** checks, when the mapping is compiled, the columns together (an X12 qualifier and the value beside it) */
  checkColumns?(columns: readonly OutputColumnSpec[]): string[];
  /** the partners of this format expect a full file on every scheduled run: its carts are always send-all */
  fullFileEveryRun?: boolean;
  /** its outputs need a partner's envelope */
  envelope?: OutputEnvelope;
  /** what it reads can be acknowledged to the sender (a feed's `ack:`: X12 997 and TA1) */
  acknowledge?(
    interchange: Interchange,
    readerOptions: z.output<R>,
    settings: { interchangeErrors: "ta1" | "997" },
    reserve: (partner: string, groups: number, sets: number) => Promise<ControlNumbers>,
    now: number,
  ): Promise<Acknowledgment | undefined>;
  /**
   * Writes `file` as a new file with the same records as `from`, an earlier file of this
   * writer with the same options: what a send-all cart gets when nothing changed since its
   * last file, without computing or rendering a line. Returns bytes written, or undefined
   * when the format's files depend on more than their records (the caller renders).
   */
  restamp?(from: string, file: string, options: z.output<W>, context: WriteContext): Promise<number | undefined>;
  /**
   * The records of `from`, an earlier file of this writer with the same headers and options,
   * in file order a batch at a time, each with the value of column `keyColumn`: what a patch
   * merges the changed lines into (the writer's `copy` writes them again). Undefined when
   * files with these options cannot be read back so (the caller renders the file whole);
   * throws when `from` does not have the shape this writer gives files.
   */
  keptRecords?(
    from: string,
    headers: readonly string[],
    options: z.output<W>,
    keyColumn: number,
    context: Pick<WriteContext, "envelope">,
  ): AsyncIterable<KeptRecord[]> | undefined;
  /**
   * Where it can be told: how the records of its files lie in their bytes (a faster patch than
   * keptRecords: unchanged records are copied many at a time, with the writer's copyBytes).
   */
  keptBody?(headers: readonly string[], options: z.output<W>, keyColumn: number): KeptBody | undefined;
}

/** Opens a table, hands it to `use` and releases the file whatever `use` does (returns, throws). */
export async function withTable<T>(opening: Promise<TableReader>, use: (table: TableReader) => Promise<T>): Promise<T> {
  const table = await opening;
  try {
    return await use(table);
  } finally {
    table.close();
  }
}
