import { UsageError } from "../errors.js";
import type { Io } from "./output.js";

/** `--limit N --after CODE --search TEXT` of the listing commands (view-sync, locations). */
export interface PagingArgs {
  limit?: string;
  after?: string;
  search?: string;
}

export function limitOf(a: PagingArgs): number {
  if (a.limit === undefined) return Infinity;
  const n = Number(a.limit);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--limit takes a positive whole number, not ${JSON.stringify(a.limit)}`);
  return n;
}

/**
 * The first `limit` rows of a stream that pass `keep`, and whether more follow: reads one row
 * past the limit, never the rest.
 */
export async function* limited<T>(
  rows: AsyncIterable<T>,
  limit: number,
  keep: (r: T) => boolean,
  more: { next?: unknown },
): AsyncGenerator<T> {
  let n = 0;
  for await (const r of rows) {
    if (!keep(r)) continue;
    if (n === limit) {
      more.next = r;
      return;
    }
    n++;
    yield r;
  }
}

export async function* map<T, U>(rows: AsyncIterable<T>, fn: (r: T) => U): AsyncGenerator<U> {
  for await (const r of rows) yield fn(r);
}

/** A JSON document `{ ...head, rows: [...], ...tail }` written a page of rows at a time, one line per row. */
export async function streamJson<T>(
  io: Io,
  head: Record<string, unknown>,
  rows: AsyncIterable<T>,
  tail: () => Record<string, unknown> = () => ({}),
  key = "rows",
): Promise<void> {
  const start = JSON.stringify(head, null, 2).replace(/\n?}$/, "");
  io.out(`${start}${Object.keys(head).length ? "," : ""}\n  ${JSON.stringify(key)}: [`);
  let lines: string[] = [];
  let pending: string | undefined;
  for await (const r of rows) {
    if (pending !== undefined) lines.push(`${pending},`);
    pending = `    ${JSON.stringify(r)}`;
    if (lines.length >= 500) {
      io.out(lines.join("\n"));
      lines = [];
      if (io.closed?.()) return;
    }
  }
  if (pending !== undefined) lines.push(pending);
  if (lines.length) io.out(lines.join("\n"));
  const rest = Object.entries(tail()).map(([k, v]) => `,\n  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  io.out(`  ]${rest.join("")}\n}`);
}
