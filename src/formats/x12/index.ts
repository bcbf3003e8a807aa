import type { FormatDefinition } from "../types.js";
import { checkX12Column, openX12Table, x12ReaderOptions } from "./reader.js";
import { mappingQualifierProblems } from "./qualifiers.js";
import { createX12Writer, x12WriterOptions, checkX12Target, restampX12 } from "./writer.js";

export const x12Format: FormatDefinition<typeof x12ReaderOptions, typeof x12WriterOptions> = {
  name: "x12",
  readerOptions: x12ReaderOptions,
  writerOptions: x12WriterOptions,
  openTable: openX12Table,
  checkColumn: checkX12Column,
  createWriter: createX12Writer,
  checkTarget: checkX12Target,
  checkColumns: mappingQualifierProblems,
  restamp: restampX12,
};
