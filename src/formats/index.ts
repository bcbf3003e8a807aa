import { csvFormat } from "./csv/index.js";
import type { FormatDefinition } from "./types.js";

/** Every file format by the name mappings use. Adding one: a folder, a line here, a test, a sample. */
export const formats: Record<string, FormatDefinition> = {
  csv: csvFormat as unknown as FormatDefinition,
};

export type { FormatDefinition, RecordWriter, SourceRow, TableReader } from "./types.js";
