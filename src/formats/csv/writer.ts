import { open } from "node:fs/promises";
import Papa from "papaparse";
import { z } from "zod";
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

const FLUSH_AT = 256 * 1024;

export async function createCsvWriter(file: string, headers: readonly string[] | null, o: CsvWriterOptions): Promise<RecordWriter> {
  const handle = await open(file, "wx");
  let buffer = o.bom ? "\uFEFF" : "";
  let bytes = 0;
  const config = { delimiter: o.delimiter, newline: o.newline, quotes: o.quoteAll, escapeFormulae: o.escapeFormulae, header: false };
  const flush = async () => {
    if (!buffer) return;
    const chunk = Buffer.from(buffer, "utf8");
    buffer = "";
    bytes += chunk.length;
    await handle.write(chunk);
  };
  const add = async (values: readonly string[]): Promise<undefined> => {
    buffer += Papa.unparse([values as string[]], config) + o.newline;
    if (buffer.length >= FLUSH_AT) await flush();
    return undefined;
  };
  if (headers && o.header) await add(headers);
  return {
    write: add,
    async close() {
      await flush();
      await handle.sync();
      await handle.close();
      return bytes;
    },
    async abort() {
      await handle.close();
    },
  };
}
