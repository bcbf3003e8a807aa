import type { FormatDefinition } from "../types.js";
import { checkXmlColumn, openXmlTable, xmlReaderOptions } from "./reader.js";
import { checkXmlTarget, createXmlWriter, xmlWriterOptions } from "./writer.js";

export const xmlFormat: FormatDefinition<typeof xmlReaderOptions, typeof xmlWriterOptions> = {
  name: "xml",
  readerOptions: xmlReaderOptions,
  writerOptions: xmlWriterOptions,
  openTable: openXmlTable,
  checkColumn: checkXmlColumn,
  createWriter: createXmlWriter,
  checkTarget: checkXmlTarget,
};
