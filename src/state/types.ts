/**
 * The shapes stockfeed's state is read and written in, whatever holds it (SQLite today).
 */

export type FileStatus = "loaded" | "loaded_with_rejects" | "failed" | "duplicate";

export interface FileEntry {
  runId: number;
  source: string;
  kind: string;
  merchant: string;
  warehouse?: string | null;
  cart?: string | null;
  name: string;
  size: number;
  sha256: string;
  mtime: number;
  takenAt: number;
}

export interface StagedInventory {
  sku: string;
  available: number;
  onHand: number | null;
  /** the line's as-of, or the file's time where it carries none */
  asOf: number;
  /** the as-of the line carries, null when it carries none (rule 13's snapshot time) */
  writtenAsOf: number | null;
  line: number;
}

/** A line of a file that did not load (or loaded with a warning), as the rejects report lists it. */
export interface StoredReject {
  line: number;
  field: string;
  value: string;
  reason: string;
  sku: string | null;
  order_id: string | null;
  severity: "reject" | "warning";
}

/** Lines held back by rule 3 (another line of their SKU was rejected) or by the sum's bound. */
export interface HeldLines {
  lines: number;
  skus: number;
  /** the first ones, for the report */
  examples: Array<{ line: number; sku: string; reason: string }>;
}

/** What a file's load counted, as the ledger keeps it. */
export interface FileCounts {
  rowsRead?: number;
  rowsLoaded?: number;
  rowsRejected?: number;
  rowsWarned?: number;
  rowsStale?: number;
  rowsZeroed?: number;
  applied?: number;
}

export interface StagedOrder {
  orderId: string;
  line: number;
  sku: string;
  quantity: number;
  orderedAt: number;
  status: string;
  fileLine: number;
  /** this file's lines of the order replace all its earlier ones (X12 BEG01 05) */
  replace?: boolean;
}

export interface CartComputation {
  merchant: string;
  cart: string;
  /** null: all warehouses */
  warehouse: string | null;
  alias: string | null;
  minimumLevel: number;
  buffer: number;
  percent: number;
  maximum: number | null;
  /** the line values the cart's file carries besides code, SKU and quantity: part of what makes a line change */
  carries: { available: boolean; asOf: boolean };
}

export interface CartRow {
  code: string;
  sku: string;
  available: number;
  asOf: number;
  ordered: number;
  quantity: number;
}

export interface LastDelivered {
  id: number;
  synced_at: number;
  file_name: string;
  inventory_file_id: number | null;
  settings_hash: string | null;
  rows: number;
  units: number;
  skipped: number;
  /** the sync whose cart_lines carry this file's lines */
  lines_set: number;
  /** dataStamp() when its lines were computed */
  state_at: number | null;
  /** products left out by reason, JSON */
  skipped_by: string | null;
  /** kept send-all files: the sha256 of the bytes rendered */
  sha256: string | null;
}

export interface DiffRow {
  code: string;
  before: number | null;
  after: number | null;
}

export { NO_SKIPS, type SkipReason } from "../domain/sendable.js";
