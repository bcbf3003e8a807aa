/**
 * The error classes of stockfeed. Errors are data: each carries the stage it happened in
 * (receiving, processing, sending), a countable kind, and whether retrying may help.
 * A bad record is never thrown: it is a RecordError collected into the rejects report.
 */
export type Stage = "config" | "receiving" | "processing" | "sending" | "state";
export type ErrorKind =
  | "config_invalid"
  | "mapping_invalid"
  | "usage"
  | "file_unreadable"
  | "parser_failed"
  | "conversion_failed"
  | "io_failed"
  | "transfer_failed"
  | "state_failed";

export class StockfeedError extends Error {
  constructor(
    message: string,
    readonly stage: Stage,
    readonly kind: ErrorKind,
    readonly retriable = false,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config or mapping the operator must fix; nothing has moved. CLI exit code 2. */
export class ConfigError extends StockfeedError {
  constructor(
    message: string,
    readonly problems: string[] = [message],
    kind: ErrorKind = "config_invalid",
  ) {
    super(message, "config", kind);
  }
}

/**
 * A file transfer or a server refused or failed. `retriable`: a transient failure (refused,
 * reset, timeout, FTP 4xx) that a retry may cure; otherwise permanent (login refused,
 * permission denied, host key mismatch): retrying would only repeat it.
 */
export class TransferError extends StockfeedError {
  constructor(
    message: string,
    retriable: boolean,
    readonly stageName: Stage = "receiving",
  ) {
    super(message, stageName, "transfer_failed", retriable);
  }
}

/** Bad command-line usage. CLI exit code 2. */
export class UsageError extends StockfeedError {
  constructor(message: string) {
    super(message, "config", "usage");
  }
}

/** A whole file cannot be read (no header, missing required column, empty...): it goes to quarantine. */
export class FileUnreadableError extends StockfeedError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message, "processing", "file_unreadable");
  }
}

/** One rejected line of an input file: the rest of the file still loads. */
export interface RecordError {
  file: string;
  line: number;
  field: string;
  value: string;
  reason: string;
  /** the SKU of the rejected line when it could be read, so the SKU's history can show it */
  sku?: string;
  /** order files: the order the line belongs to */
  orderId?: string;
  /** a warning: the line loaded, this value of it did not (rule 1: on hand is shown only) */
  severity?: "warning";
}

export function describeRecordError(e: RecordError): string {
  return `${e.file}:${e.line}: ${e.field} ${JSON.stringify(e.value)}: ${e.reason}`;
}
