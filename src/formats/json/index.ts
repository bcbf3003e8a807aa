import { copyAsNewFile } from "../output-file.js";
import type { FormatDefinition } from "../types.js";
import { checkJsonColumn, jsonReaderOptions, openJsonTable } from "./reader.js";
import { checkJsonTarget, createJsonWriter, jsonKeptRecords, jsonWriterOptions } from "./writer.js";

export const jsonFormat: FormatDefinition<typeof jsonReaderOptions, typeof jsonWriterOptions> = {
  name: "json",
  readerOptions: jsonReaderOptions,
  writerOptions: jsonWriterOptions,
  openTable: openJsonTable,
  checkColumn: checkJsonColumn,
  // a file of this format is its records and nothing else: the same records, the same bytes
  restamp: (from, file) => copyAsNewFile(from, file),
  createWriter: createJsonWriter,
  keptRecords: (from, headers, options, keyColumn) => jsonKeptRecords(from, headers, options, keyColumn),
  checkTarget: checkJsonTarget,
};
