import type { FormatDefinition } from "../types.js";
import { x12EnvelopeProblems, x12EnvelopeSchema, x12Partner, type X12Envelope } from "./interchange.js";
import { acknowledge } from "./ack.js";
import { checkX12Column, openX12Table, x12ReaderOptions } from "./reader.js";
import { mappingQualifierProblems } from "./qualifiers.js";
import { createX12Writer, x12KeptRecords, x12WriterOptions, checkX12Target, restampX12 } from "./writer.js";

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
  keptRecords: x12KeptRecords,
  fullFileEveryRun: true,
  acknowledge,
  envelope: {
    key: "x12",
    schema: x12EnvelopeSchema,
    description: "X12 outputs: the partner's envelope (ids, qualifiers, version, delimiters, character set)",
    problems: x12EnvelopeProblems,
    partner: (e: X12Envelope) => x12Partner(e.sender, e.receiver),
  },
};
