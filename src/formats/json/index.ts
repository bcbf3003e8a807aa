import type { FormatDefinition } from "../types.js";
import { checkJsonColumn, jsonReaderOptions, openJsonTable } from "./reader.js";
import { checkJsonTarget, createJsonWriter, jsonWriterOptions } from "./writer.js";

export const jsonFormat: FormatDefinition<typeof jsonReaderOptions, typeof jsonWriterOptions> = {
  name: "json",
  readerOptions: jsonReaderOptions,
  writerOptions: jsonWriterOptions,
  openTable: openJsonTable,
  checkColumn: checkJsonColumn,
  createWriter: createJsonWriter,
  checkTarget: checkJsonTarget,
};
