import type { z } from "zod";

/** One data row of an input file, its values aligned with the columns the mapping asked for. */
export interface SourceRow {
  /** physical line where the row starts (1 = first line of the file) */
  line: number;
  /** undefined where the file has no such column */
  values: Array<string | undefined>;
  /** set when the row's shape is wrong (field count...): the mapper rejects the line with it */
  problem?: string;
}

export interface TableReader {
  /** for each wanted column, whether the file has it */
  present: boolean[];
  rows: AsyncIterable<SourceRow>;
}

export interface RecordWriter {
  write(values: readonly string[]): Promise<void>;
  /** flushes, syncs to disk and closes; returns bytes written */
  close(): Promise<number>;
  /** closes without completing (the caller removes the file) */
  abort(): Promise<void>;
}

export interface FormatDefinition<R extends z.ZodType = z.ZodType, W extends z.ZodType = z.ZodType> {
  name: string;
  /** options of the format's reader, under the format's name in a mapping file */
  readerOptions: R;
  writerOptions: W;
  openTable(file: string, wanted: readonly string[], options: z.output<R>): Promise<TableReader>;
  createWriter(file: string, headers: readonly string[] | null, options: z.output<W>): Promise<RecordWriter>;
}
