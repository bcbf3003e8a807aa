import { copyAsNewFile } from "../output-file.js";
import type { FormatDefinition } from "../types.js";
import { checkXmlColumn, openXmlTable, xmlReaderOptions } from "./reader.js";
import { checkXmlTarget, createXmlWriter, xmlKeptBody, xmlKeptRecords, xmlWriterOptions } from "./writer.js";

export const xmlFormat: FormatDefinition<typeof xmlReaderOptions, typeof xmlWriterOptions> = {
  name: "xml",
  readerOptions: xmlReaderOptions,
  writerOptions: xmlWriterOptions,
  openTable: openXmlTable,
  checkColumn: checkXmlColumn,
  // the root's attributes may carry {now}: such files are rendered anew
  restamp: async (from, file, o) =>
    Object.values(o.rootAttributes).some((v) => v.includes("{now}")) ? undefined : copyAsNewFile(from, file),
  createWriter: createXmlWriter,
  keptRecords: (from, headers, options, keyColumn) => xmlKeptRecords(from, headers, options, keyColumn),
  keptBody: xmlKeptBody,
  checkTarget: checkXmlTarget,
};
