/**
 * The fast merge of a patch (see patch.ts): the kept file's bytes read a chunk at a time and
 * its unchanged records copied as they are, many at a time, the record of each changed line
 * found by bisecting the bytes where its format says every terminator ends a record
 * (KeptBody.plain), record by record elsewhere. The kept copy's sha256 is checked as it is read.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { KeptFileMismatch, type KeptBody, type RecordWriter } from "../formats/index.js";
import { notAsWritten } from "../formats/kept-records.js";
import { faultPoint } from "../util/fault.js";
import { compareCodes } from "../util/order.js";

const CHUNK = 1 << 20;

/** The changed lines in code order, as the merge takes them. */
export interface ChangeCursor {
  /** the next changed line's code; undefined when none is left */
  code(): string | undefined;
  /** writes the next changed line in its place (`kept`: the kept file has its code) and moves on */
  put(kept: boolean): Promise<void>;
}

/**
 * The kept record of `key` met: the changed lines before it written, then the one of `key` if
 * there is one. True when it was (the kept record is replaced, or left out when gone).
 */
export async function changesUpTo(changes: ChangeCursor, key: string): Promise<boolean> {
  let code = changes.code();
  while (code !== undefined && compareCodes(code, key) < 0) {
    await changes.put(false);
    code = changes.code();
  }
  if (code !== key) return false;
  await changes.put(true);
  return true;
}

/** The changed lines after the kept file's last record. */
export async function restOfChanges(changes: ChangeCursor): Promise<void> {
  while (changes.code() !== undefined) await changes.put(false);
}

/** The kept file's keys must strictly increase: `key` after `previous`. */
export function checkOrder(previous: string | undefined, key: string): void {
  if (previous !== undefined && compareCodes(previous, key) >= 0)
    throw new KeptFileMismatch(`its records are not in code order: ${key} after ${previous}`);
}

/**
 * The kept file `from` (`sha256`: the bytes recorded) with the changes merged in, through `writer`,
 * read `chunk` bytes at a time.
 */
export async function mergeBody(
  from: { path: string; sha256: string; records: number },
  body: KeptBody,
  changes: ChangeCursor,
  writer: RecordWriter,
  chunk = CHUNK,
): Promise<void> {
  const hash = createHash("sha256");
  const merge = new BodyMerge(body, changes, writer);
  let pending: Buffer = Buffer.alloc(0);
  let opened = false;
  for await (const read of createReadStream(from.path, { highWaterMark: chunk })) {
    hash.update(read as Buffer);
    pending = pending.length === 0 ? (read as Buffer) : Buffer.concat([pending, read as Buffer]);
    if (!opened) {
      const n = body.opening(pending);
      if (n === undefined) continue;
      [pending, opened] = [pending.subarray(n), true];
    }
    pending = pending.subarray(await merge.region(pending, false));
  }
  if (!opened) throw notAsWritten("it ends before its first record");
  if (!pending.subarray(pending.length - body.closing.length).equals(body.closing))
    throw notAsWritten(`it does not end with ${JSON.stringify(body.closing.toString())}`);
  const records = pending.subarray(0, pending.length - body.closing.length);
  if ((await merge.region(records, true)) !== records.length) throw notAsWritten("its last record is not whole");
  if (hash.digest("hex") !== from.sha256) throw new KeptFileMismatch("the kept copy does not have the bytes recorded");
  await restOfChanges(changes);
  if (merge.count !== from.records)
    throw new KeptFileMismatch(`it has ${merge.count} records where its record says ${from.records}`);
}

class BodyMerge {
  count = 0;
  private previous: string | undefined;

  constructor(
    private readonly body: KeptBody,
    private readonly changes: ChangeCursor,
    private readonly writer: RecordWriter,
  ) {}

  /** Merges the whole records at the start of `bytes` (all of them when `last`); returns where they end. */
  async region(bytes: Buffer, last: boolean): Promise<number> {
    const t = this.body.terminator;
    let end = last ? bytes.length : bytes.lastIndexOf(t);
    if (!last) end = end < 0 ? 0 : end + t.length;
    else if (end > 0 && !bytes.subarray(end - t.length).equals(t)) throw notAsWritten("its last record is not whole");
    const plain = this.body.plain(bytes, 0, end);
    if (!plain) end = this.wholeRecords(bytes, end);
    let pos = 0;
    while (pos < end) {
      faultPoint("sync:mid-patch");
      const code = this.changes.code();
      const at = !plain
        ? this.walk(bytes, pos, end, code)
        : code === undefined
          ? end
          : this.lowerBound(bytes, pos, end, code);
      if (plain) this.count += this.records(bytes, pos, at);
      await this.copy(bytes, pos, at);
      if (at === end) break;
      pos = await this.meet(bytes, at, plain ? this.startAfter(bytes, at) : this.body.recordEnd(bytes, at, end));
    }
    return end;
  }

  /** The record bytes[at, end) and the changed lines up to its code: written in order; returns its end. */
  private async meet(bytes: Buffer, at: number, end: number): Promise<number> {
    const key = this.body.key(bytes, at, end);
    checkOrder(this.previous, key);
    this.previous = key;
    this.count++;
    if (!(await changesUpTo(this.changes, key))) await this.copy(bytes, at, end);
    return end;
  }

  private async copy(bytes: Buffer, from: number, to: number): Promise<void> {
    if (to <= from) return;
    const copied = this.writer.copyBytes!(bytes.subarray(from, to));
    if (copied) await copied;
  }

  /** where the whole records before `end` end, walked record by record (terminators may be inside values) */
  private wholeRecords(bytes: Buffer, end: number): number {
    let pos = 0;
    for (let next = this.body.recordEnd(bytes, pos, end); next > 0; next = this.body.recordEnd(bytes, pos, end))
      pos = next;
    return pos;
  }

  /** the first record at or after `pos` whose key is not before `code` (or `end`), record by record */
  private walk(bytes: Buffer, pos: number, end: number, code: string | undefined): number {
    while (pos < end) {
      const next = this.body.recordEnd(bytes, pos, end);
      if (code !== undefined && compareCodes(this.body.key(bytes, pos, next), code) >= 0) return pos;
      this.count++;
      pos = next;
    }
    return end;
  }

  /** where the record that holds bytes[x] ends, in a plain region */
  private startAfter(bytes: Buffer, x: number): number {
    const t = this.body.terminator;
    if (t.length === 1) {
      // records are short: a loop over their bytes costs less than a call of indexOf
      const b = t[0];
      for (let at = x, stop = Math.min(bytes.length, x + 256); at < stop; at++) if (bytes[at] === b) return at + 1;
      return bytes.indexOf(b, x + 256) + 1;
    }
    return bytes.indexOf(t, x) + t.length;
  }

  /** the same where every terminator ends a record: by bisecting bytes[lo, hi) */
  private lowerBound(bytes: Buffer, lo: number, hi: number, code: string): number {
    const startAfter = (x: number) => this.startAfter(bytes, x);
    const before = (at: number) => compareCodes(this.body.key(bytes, at, startAfter(at)), code) < 0;
    if (lo >= hi || !before(lo)) return lo;
    // a record at lo is before code; hi is a record not before it, or the end
    for (;;) {
      let probe = startAfter((lo + hi) >>> 1);
      if (probe >= hi) {
        probe = startAfter(lo);
        if (probe >= hi || !before(probe)) return probe;
      }
      if (before(probe)) lo = probe;
      else hi = probe;
    }
  }

  /** how many records bytes[from, to) holds, every terminator ending one */
  private records(bytes: Buffer, from: number, to: number): number {
    const t = this.body.terminator;
    let n = 0;
    if (t.length === 1) {
      // a loop over the bytes: a call of indexOf per record costs more than the bytes
      const b = t[0];
      for (let at = from; at < to; at++) if (bytes[at] === b) n++;
      return n;
    }
    for (let at = bytes.indexOf(t, from); at >= 0 && at < to; at = bytes.indexOf(t, at + t.length)) n++;
    return n;
  }
}
