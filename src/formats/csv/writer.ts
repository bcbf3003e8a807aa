import Papa from "papaparse";
import { z } from "zod";
import { createOutputFile } from "../output-file.js";
import { notAsWritten, textLines } from "../kept-records.js";
import type { KeptBody, KeptRecord, RecordWriter } from "../types.js";

export const csvWriterOptions = z
  .strictObject({
    delimiter: z.string().length(1).default(","),
    /** RFC 4180 says CRLF; many carts take either */
    newline: z.enum(["\r\n", "\n"]).default("\r\n"),
    header: z.boolean().default(true),
    quoteAll: z.boolean().default(false),
    bom: z.boolean().default(false),
    /** prefix cells that start with = + - @ so a spreadsheet does not run them (reports for people) */
    escapeFormulae: z.boolean().default(false),
  })
  .default({ delimiter: ",", newline: "\r\n", header: true, quoteAll: false, bom: false, escapeFormulae: false });

export type CsvWriterOptions = z.output<typeof csvWriterOptions>;

/** Rows are turned into text by papaparse a batch at a time: one unparse call per row costs more than the row. */
const BATCH_ROWS = 2048;

function unparseConfig(o: CsvWriterOptions) {
  return {
    delimiter: o.delimiter,
    newline: o.newline,
    quotes: o.quoteAll,
    escapeFormulae: o.escapeFormulae,
    header: false,
  };
}

export async function createCsvWriter(
  file: string,
  headers: readonly string[] | null,
  o: CsvWriterOptions,
): Promise<RecordWriter> {
  const out = await createOutputFile(file);
  if (o.bom) out.append("\uFEFF");
  const config = unparseConfig(o);
  let batch: string[][] = [];
  const flushBatch = () => {
    if (batch.length === 0) return;
    out.append(Papa.unparse(batch, config) + o.newline);
    batch = [];
  };
  const write = (values: readonly string[]): Promise<undefined> | undefined => {
    batch.push(values as string[]);
    if (batch.length < BATCH_ROWS) return undefined;
    flushBatch();
    return out.maybeFlush()?.then(() => undefined);
  };
  if (headers && o.header) void write(headers); // the header alone never fills a batch
  return {
    write,
    copy(record) {
      flushBatch();
      out.append(record.text + o.newline);
      return out.maybeFlush();
    },
    copyBytes(bytes) {
      flushBatch();
      out.appendBytes(bytes);
      return out.maybeFlush();
    },
    close: () => {
      flushBatch();
      return out.close();
    },
    sha256: out.sha256,
    abort: out.abort,
  };
}

/** Field `k` of one record (a line, or lines joined inside quotes) as papaparse wrote it. */
function csvField(record: string, k: number, o: CsvWriterOptions): string {
  if (!record.includes('"')) {
    let start = 0;
    for (let i = 0; i < k; i++) {
      const at = record.indexOf(o.delimiter, start);
      if (at < 0) throw notAsWritten(`a record has fewer than ${k + 1} fields: ${record}`);
      start = at + 1;
    }
    const end = record.indexOf(o.delimiter, start);
    return record.slice(start, end < 0 ? record.length : end);
  }
  const fields = Papa.parse<string[]>(record, { delimiter: o.delimiter, newline: o.newline }).data[0] ?? [];
  if (fields.length <= k) throw notAsWritten(`a record has fewer than ${k + 1} fields: ${record}`);
  return fields[k];
}

const quotes = (line: string) => line.split('"').length - 1;

/**
 * The records of a file this writer wrote (after its BOM and header), each with field
 * `keyColumn`: a record is a line, or lines joined where a quoted value holds a newline.
 * Undefined with escapeFormulae, which changes values (the key would not be the code).
 */
export function csvKeptRecords(
  from: string,
  headers: readonly string[],
  o: CsvWriterOptions,
  keyColumn: number,
): AsyncIterable<KeptRecord[]> | undefined {
  if (o.escapeFormulae) return undefined;
  const header = headers.length > 0 && o.header ? Papa.unparse([headers as string[]], unparseConfig(o)) : undefined;
  return (async function* () {
    let first = true;
    let open: string | undefined; // a record whose quoted value goes on past the line
    for await (const lines of textLines(from, o.newline)) {
      const batch: KeptRecord[] = [];
      for (let line of lines) {
        if (first) {
          first = false;
          if (o.bom) {
            if (!line.startsWith("\uFEFF")) throw notAsWritten("no byte order mark");
            line = line.slice(1);
          }
          if (header !== undefined) {
            if (line !== header) throw notAsWritten(`the header is ${line}, not ${header}`);
            continue;
          }
        }
        if (open !== undefined) line = open + o.newline + line;
        open = undefined;
        if (line.includes('"') && quotes(line) % 2 === 1) {
          open = line;
          continue;
        }
        batch.push({ key: csvField(line, keyColumn, o), text: line });
      }
      if (batch.length > 0) yield batch;
    }
    if (open !== undefined) throw notAsWritten("the file ends inside a quoted value");
    if (first && header !== undefined) throw notAsWritten("no header");
  })();
}

const QUOTE = 0x22;

/**
 * How the records of a file this writer wrote lie in its bytes (see KeptBody): after the BOM
 * and header, each ends with the newline, and where no value is quoted every newline ends one.
 * Undefined with escapeFormulae (see csvKeptRecords).
 */
export function csvKeptBody(headers: readonly string[], o: CsvWriterOptions, keyColumn: number): KeptBody | undefined {
  if (o.escapeFormulae) return undefined;
  const header =
    headers.length > 0 && o.header ? Papa.unparse([headers as string[]], unparseConfig(o)) + o.newline : "";
  const opening = Buffer.from((o.bom ? "\uFEFF" : "") + header, "utf8");
  const terminator = Buffer.from(o.newline, "utf8");
  return {
    opening(head) {
      if (head.length < opening.length) return opening.subarray(0, head.length).equals(head) ? undefined : bad(head);
      return head.subarray(0, opening.length).equals(opening) ? opening.length : bad(head);
    },
    closing: Buffer.alloc(0),
    terminator,
    plain(bytes, start, end) {
      const q = bytes.indexOf(QUOTE, start);
      return q < 0 || q >= end;
    },
    recordEnd(bytes, start, end) {
      // a newline inside a quoted value does not end the record; "" inside one is two quotes
      let at = start;
      for (;;) {
        const t = bytes.indexOf(terminator, at);
        const q = bytes.indexOf(QUOTE, at);
        if (q < 0 || q >= end || (t >= 0 && t < q))
          return t < 0 || t + terminator.length > end ? -1 : t + terminator.length;
        const closed = bytes.indexOf(QUOTE, q + 1);
        if (closed < 0 || closed >= end) return -1;
        at = closed + 1;
      }
    },
    key: (bytes, start, end) => csvField(bytes.toString("utf8", start, end - terminator.length), keyColumn, o),
  };
  function bad(head: Buffer): never {
    throw notAsWritten(
      o.bom && head[0] !== 0xef ? "no byte order mark" : `its header is not ${JSON.stringify(header)}`,
    );
  }
}
