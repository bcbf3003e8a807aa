import { csvFormat } from "./csv/index.js";
import { jsonFormat } from "./json/index.js";
import { x12Format } from "./x12/index.js";
import { xmlFormat } from "./xml/index.js";
import type { FormatDefinition } from "./types.js";

/** Every file format by the name mappings use. Adding one: a folder, a line here, a test, a sample. */
export const formats: Record<string, FormatDefinition> = {
  csv: csvFormat as unknown as FormatDefinition,
  json: jsonFormat as unknown as FormatDefinition,
  x12: x12Format as unknown as FormatDefinition,
  xml: xmlFormat as unknown as FormatDefinition,
};

export type {
  FormatDefinition,
  KeptBody,
  KeptRecord,
  ReadContext,
  RecordWriter,
  SourceRow,
  TableReader,
  WriteContext,
} from "./types.js";
export { KeptFileMismatch } from "./kept-records.js";
