import type { FormatDefinition } from "../types.js";
import { csvReaderOptions, openCsvTable } from "./reader.js";
import { createCsvWriter, csvWriterOptions } from "./writer.js";

export const csvFormat: FormatDefinition<typeof csvReaderOptions, typeof csvWriterOptions> = {
  name: "csv",
  readerOptions: csvReaderOptions,
  writerOptions: csvWriterOptions,
  openTable: openCsvTable,
  createWriter: createCsvWriter,
};
