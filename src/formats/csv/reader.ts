import { createReadStream } from "node:fs";
import Papa from "papaparse";
import { z } from "zod";
import { FileUnreadableError } from "../../errors.js";
import { DEFAULT_LIMITS, LineTooLong, type InputLimits } from "../../mapping/limits.js";
import type { ReadContext, SourceRow, TableReader } from "../types.js";

export const csvReaderOptions = z
  .strictObject({
    /** "auto" picks the most frequent of , ; tab | in the header line */
    delimiter: z.string().min(1).max(1).or(z.literal("auto")).default("auto"),
    /** "none": the file never quotes (Amazon's tab-delimited reports): a " is just a character */
    quoteChar: z.string().length(1).or(z.literal("none")).default('"'),
    encoding: z.enum(["utf8", "latin1"]).default("utf8"),
    /** lines before the header line (report titles some WMS exports carry) */
    skipLines: z.number().int().min(0).default(0),
  })
  .default({ delimiter: "auto", quoteChar: '"', encoding: "utf8", skipLines: 0 });

export type CsvReaderOptions = z.output<typeof csvReaderOptions>;

const CANDIDATES = [",", ";", "\t", "|"];
const NEWLINES = /\r\n|\r|\n/g;

/** The delimiter of a header line: the candidate that occurs most often outside quotes. */
export function detectDelimiter(headerLine: string, quote: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === quote) quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  let bestCount = 0;
  for (const [c, n] of counts) if (n > bestCount) [best, bestCount] = [c, n];
  return best;
}

export function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase();
}

function countNewlines(values: string[]): number {
  let n = 0;
  for (const v of values) if (v.includes("\n") || v.includes("\r")) n += v.match(NEWLINES)!.length;
  return n;
}

/**
 * Where `text` can be cut after its last line break outside quotes, scanning from `from` with
 * the quote state there (RFC 4180: "" keeps parity). Returns the cut (-1: none) and the quote
 * state at the end of the text.
 */
function scanForCut(
  text: string,
  from: number,
  quoted: boolean,
  quote: string,
  newline: string,
): { cut: number; quoted: boolean } {
  let q = text.indexOf(quote, from);
  // without quotes, the last line break is the cut (most files: no scan line by line)
  if (q < 0 && !quoted) {
    const n = text.lastIndexOf(newline);
    return { cut: n >= from ? n + newline.length : -1, quoted: false };
  }
  let cut = -1;
  for (;;) {
    // the next quote is searched again only once passed: one pass over the text, not one per line
    if (q >= 0 && q < from) q = text.indexOf(quote, from);
    const n = text.indexOf(newline, from);
    if (n < 0) {
      // the quote state at the end: the quotes left after the last line break
      for (; q >= 0; q = text.indexOf(quote, q + 1)) quoted = !quoted;
      return { cut, quoted };
    }
    if (q >= 0 && q < n) {
      quoted = !quoted;
      from = q + 1;
    } else {
      if (!quoted) cut = n + newline.length;
      from = n + newline.length;
    }
  }
}

/**
 * Cuts a text arriving in chunks into complete lines (the last line break outside quotes),
 * each character scanned once however long a line is, and refuses a line longer than the
 * limit instead of holding it (a 200 MB header without a line break would otherwise grow the
 * carry and be rescanned with every chunk).
 */
class LineCutter {
  private carry = "";
  /** characters of carry already scanned, and the quote state there */
  private scanned = 0;
  private quoted = false;
  /** the carry passed the limit: refused once the lines before it are handed on */
  private overLimit = false;

  constructor(
    private readonly quote: string,
    private readonly newline: string,
    private readonly maxLine: number,
  ) {}

  /** the complete lines so far, without their last line break; undefined when there are none */
  push(chunk: string): string | undefined {
    if (this.overLimit) throw new LineTooLong(this.maxLine);
    const text = this.carry + chunk;
    // a CR at the end of the last chunk may start a CRLF: look at it again (never at a quote:
    // its state was taken, and scanning it twice would turn quoting off)
    const split = this.newline.length > 1 && this.scanned > 0 && text[this.scanned - 1] === this.newline[0];
    const from = split ? this.scanned - 1 : this.scanned;
    const { cut, quoted } = scanForCut(text, from, this.quoted, this.quote, this.newline);
    if (cut < 0) {
      [this.carry, this.scanned, this.quoted] = [text, text.length, quoted];
      if (text.length > this.maxLine) throw new LineTooLong(this.maxLine);
      return undefined;
    }
    // the carry starts outside quotes (the cut is); its characters were scanned already
    [this.carry, this.scanned] = [text.slice(cut), text.length - cut];
    this.quoted = quoted;
    this.overLimit = this.carry.length > this.maxLine;
    return text.slice(0, cut - this.newline.length);
  }

  rest(): string {
    if (this.overLimit) throw new LineTooLong(this.maxLine);
    return this.carry;
  }
}

type Newline = "\r\n" | "\n" | "\r";

function detectNewline(text: string): Newline {
  const n = text.indexOf("\n");
  const r = text.indexOf("\r");
  if (r >= 0 && (n < 0 || r < n)) return n === r + 1 ? "\r\n" : "\r";
  return "\n";
}

/**
 * Rows of a CSV text stream, pulled on demand a chunk at a time: each chunk is cut at its
 * last line break outside quotes, the complete part parsed with papaparse's synchronous
 * parser, the rest carried into the next chunk. Memory stays at about one chunk; the
 * consumer sets the pace.
 */
async function* csvRows(
  chunks: AsyncIterable<string>,
  delimiter: string,
  quoteChar: string,
  newline: Newline,
  maxLine: number,
): AsyncGenerator<string[][]> {
  const config: Papa.ParseConfig<string[]> = { delimiter, quoteChar, newline, header: false, skipEmptyLines: false };
  const cutter = new LineCutter(quoteChar, newline, maxLine);
  for await (const chunk of chunks) {
    // without its final line break, so papaparse does not report an empty last row
    const complete = cutter.push(chunk);
    if (complete !== undefined) yield Papa.parse<string[]>(complete, config).data;
  }
  if (cutter.rest() !== "") yield Papa.parse<string[]>(cutter.rest(), config).data;
}

/** The file's text in chunks, BOM removed; the first chunk is returned for sniffing. */
interface OpenText {
  first: string;
  chunks: AsyncIterable<string>;
  close: () => void;
}

async function openText(file: string, encoding: BufferEncoding): Promise<OpenText> {
  const source = createReadStream(file, { encoding, highWaterMark: 256 * 1024 });
  const it = source[Symbol.asyncIterator]();
  const head = await it.next();
  const first = head.done ? "" : String(head.value).replace(/^\uFEFF/, "");
  const chunks = (async function* () {
    if (first) yield first;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as string;
  })();
  return { first, chunks, close: () => source.destroy() };
}

export async function openCsvTable(
  file: string,
  wanted: readonly string[],
  options: CsvReaderOptions,
  context?: ReadContext,
): Promise<TableReader> {
  const text = await openText(file, options.encoding);
  try {
    return await csvTable(file, wanted, options, context?.limits ?? DEFAULT_LIMITS, text);
  } catch (e) {
    // a header the file is refused for: the stream is released here, the caller never gets a reader
    text.close();
    throw e;
  }
}

async function csvTable(
  file: string,
  wanted: readonly string[],
  options: CsvReaderOptions,
  limits: InputLimits,
  { first, chunks, close }: OpenText,
): Promise<TableReader> {
  const lines = first.split(NEWLINES);
  const headerLine = lines.slice(options.skipLines).find((l) => l.trim() !== "");
  if (headerLine === undefined) throw new FileUnreadableError("the file is empty: no header line", file);
  // NUL never occurs in text: quoting is off
  const quoteChar = options.quoteChar === "none" ? "\u0000" : options.quoteChar;
  const delimiter = options.delimiter === "auto" ? detectDelimiter(headerLine, quoteChar) : options.delimiter;
  const parsed = csvRows(chunks, delimiter, quoteChar, detectNewline(first), limits.maxLineLength);
  let pending: string[][] = [];
  let at = 0;
  // a line past the limit: the file is refused, naming the line it starts on
  const tooLong = (e: unknown): never => {
    close();
    if (!(e instanceof LineTooLong)) throw e;
    const where = header ? `line ${line}` : "the header line";
    const hint = quoteChar === "\u0000" ? "" : " (an unclosed quote makes the rest of the file one line)";
    throw new FileUnreadableError(
      `${where} is ${e.message} (the mapping's limits.maxLineLength)${hint}: the file is refused`,
      file,
    );
  };
  const nextRow = async (): Promise<string[] | undefined> => {
    while (at >= pending.length) {
      const r = await parsed.next().catch(tooLong);
      if (r.done) return undefined;
      [pending, at] = [r.value, 0];
    }
    return pending[at++];
  };

  let line = 1;
  let header: string[] | undefined;
  let headerLineNo = 0;
  for (let values = await nextRow(); values !== undefined; values = await nextRow()) {
    const here = line;
    line += 1 + countNewlines(values);
    if (here <= options.skipLines) continue;
    if (values.length === 1 && values[0].trim() === "") continue;
    header = values.map(normalizeHeader);
    headerLineNo = here;
    break;
  }
  if (!header) throw new FileUnreadableError("the file is empty: no header line", file);
  const headerLength = header.reduce((n, h) => n + h.length + 1, 0);
  if (headerLength > limits.maxHeaderLength) {
    throw new FileUnreadableError(
      `the header line (line ${headerLineNo}) is ${headerLength} characters, more than the mapping's limits.maxHeaderLength ` +
        `(${limits.maxHeaderLength}): the file is refused`,
      file,
    );
  }

  const index = wanted.map((w) => {
    const name = normalizeHeader(w);
    const at = header!.indexOf(name);
    if (at >= 0 && header!.indexOf(name, at + 1) >= 0)
      throw new FileUnreadableError(`column "${w}" appears twice in the header (line ${headerLineNo})`, file);
    return at;
  });
  const width = header.length;

  const sourceRows = (parsedRows: string[][], from: number): SourceRow[] => {
    const out: SourceRow[] = [];
    for (let k = from; k < parsedRows.length; k++) {
      const values = parsedRows[k];
      const here = line;
      line += 1 + countNewlines(values);
      if (values.length === 1 && values[0].trim() === "") continue; // blank line
      let problem: string | undefined;
      if (values.length !== width) {
        // trailing empty cells (a spreadsheet's habit) are harmless; anything else shifts columns
        const meaningful = values.length > width && values.slice(width).every((v) => v.trim() === "");
        if (!meaningful) problem = `the line has ${values.length} fields, the header has ${width}`;
      }
      out.push({ line: here, values: index.map((i) => (i < 0 ? undefined : values[i])), problem });
    }
    return out;
  };
  async function* batches(): AsyncGenerator<SourceRow[]> {
    if (at < pending.length) yield sourceRows(pending, at);
    pending = [];
    for (;;) {
      const r = await parsed.next().catch(tooLong);
      if (r.done) return;
      yield sourceRows(r.value, 0);
    }
  }
  const all = batches();
  return { present: index.map((i) => i >= 0), rows: flatten(all), batches: all, close };
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}
