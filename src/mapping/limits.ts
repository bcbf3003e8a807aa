import { z } from "zod";

/**
 * How large a file's parts may be before stockfeed refuses them, per mapping (`limits:`).
 * Lengths are in characters of the decoded text. A line (an X12 segment) or a header beyond
 * its limit quarantines the file, naming the line and the limit: reading on would mean
 * holding an unbounded line in memory. A value beyond its limit rejects its line; the rest
 * of the file loads. Codes (SKUs, alias codes, order ids) have their own, tighter limit:
 * every cart would be sent them.
 */
export const limitsSchema = z
  .strictObject({
    maxLineLength: z
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024)
      .describe("a physical line of a CSV file, or an X12 segment"),
    maxHeaderLength: z
      .number()
      .int()
      .min(256)
      .default(64 * 1024)
      .describe("a CSV header line"),
    maxFieldLength: z
      .number()
      .int()
      .min(256)
      .default(1024 * 1024)
      .describe("any value a field reads"),
    maxCodeLength: z
      .number()
      .int()
      .min(1)
      .max(64 * 1024)
      .default(255)
      .describe("a SKU, alias code, alias type, lot, product id or order id"),
  })
  .default({
    maxLineLength: 4 * 1024 * 1024,
    maxHeaderLength: 64 * 1024,
    maxFieldLength: 1024 * 1024,
    maxCodeLength: 255,
  });

export type InputLimits = z.output<typeof limitsSchema>;

export const DEFAULT_LIMITS: InputLimits = limitsSchema.parse(undefined);

/** A value as a reject shows it: at most 200 characters, so a huge value never fills the rejects report. */
export function shownValue(v: string): string {
  return v.length <= 200 ? v : `${v.slice(0, 200)}... (${v.length} characters)`;
}

/** Thrown by a reader when a line passes the limit; the reader's caller names the line. */
export class LineTooLong extends Error {
  constructor(readonly limit: number) {
    super(`longer than ${limit} characters`);
  }
}
