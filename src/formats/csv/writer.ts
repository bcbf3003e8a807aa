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

export async function createCsvWriter(file: string, headers: readonly string[] | null, o: CsvWriterOptions): Promise<RecordWriter> {
  const out = await createOutputFile(file);
  if (o.bom) out.append("\uFEFF");
  const config = { delimiter: o.delimiter, newline: o.newline, quotes: o.quoteAll, escapeFormulae: o.escapeFormulae, header: false };
  const add = async (values: readonly string[]): Promise<undefined> => {
    out.append(Papa.unparse([values as string[]], config) + o.newline);
    await out.maybeFlush();
    return undefined;
  };
  if (headers && o.header) await add(headers);
  return { write: add, close: out.close, abort: out.abort };
}
