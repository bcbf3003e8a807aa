import Papa from "papaparse";
import { z } from "zod";
import { createOutputFile } from "../output-file.js";
import type { RecordWriter } from "../types.js";

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

export async function createCsvWriter(
  file: string,
  headers: readonly string[] | null,
  o: CsvWriterOptions,
): Promise<RecordWriter> {
  const out = await createOutputFile(file);
  if (o.bom) out.append("\uFEFF");
  const config = {
    delimiter: o.delimiter,
    newline: o.newline,
    quotes: o.quoteAll,
    escapeFormulae: o.escapeFormulae,
    header: false,
  };
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
    close: () => {
      flushBatch();
      return out.close();
    },
    abort: out.abort,
  };
}
