import { copyAsNewFile } from "../output-file.js";
import type { FormatDefinition } from "../types.js";
import { csvReaderOptions, openCsvTable } from "./reader.js";
import { createCsvWriter, csvKeptBody, csvKeptRecords, csvWriterOptions } from "./writer.js";

export const csvFormat: FormatDefinition<typeof csvReaderOptions, typeof csvWriterOptions> = {
  name: "csv",
  readerOptions: csvReaderOptions,
  writerOptions: csvWriterOptions,
  openTable: openCsvTable,
  // a file of this format is its records and nothing else: the same records, the same bytes
  restamp: (from, file) => copyAsNewFile(from, file),
  createWriter: createCsvWriter,
  keptRecords: (from, headers, options, keyColumn) => csvKeptRecords(from, headers, options, keyColumn),
  keptBody: csvKeptBody,
};
