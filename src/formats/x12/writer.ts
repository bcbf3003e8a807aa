import { z } from "zod";
import { createOutputFile } from "../output-file.js";
import { createReadStream } from "node:fs";
import { notAsWritten, textChunks } from "../kept-records.js";
import type { KeptRecord, RecordWriter, WriteContext } from "../types.js";
import type { ControlNumbers, X12Envelope } from "./interchange.js";
import { elementProblem } from "./syntax.js";
import {
  checkDelims,
  cleanValue,
  closingSegments,
  controlText,
  delimsOf,
  openingSegments,
  segmentText,
  x12Clock,
} from "./interchange.js";

const segmentId = z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/, "a segment id such as LIN or QTY");

/** The shape of an outbound transaction set, from the mapping's `x12:` section. */
export const x12WriterOptions = z.strictObject({
  transaction: z
    .string()
    .regex(/^\d{3}$/)
    .default("846"),
  /** GS01: IB for the 846 */
  functionalId: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default("IB"),
  /**
   * Segments after ST, written with `*` between elements whatever the partner's delimiters;
   * {date} (CCYYMMDD), {time} (HHMM), {seconds} (HHMMSS) of the snapshot and {reference}
   * (the interchange control number) are filled in.
   */
  header: z.array(z.string().min(3)).default(["BIA*00*SI*{reference}*{date}*{time}", "DTM*405*{date}*{time}"]),
  /** the segments of one record, in order; the mapping's columns place values in them (LIN03, QTY02) */
  record: z.array(segmentId).min(1),
  /** an element summed into CTT02 (e.g. QTY02); without it CTT carries the record count only */
  quantityTotal: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{1,2}\d{2}$/)
    .optional(),
  /** a value with a delimiter or a character outside the partner's set: reject the record, or strip the characters */
  invalidCharacters: z.enum(["reject", "strip"]).default("reject"),
});

export type X12WriterOptions = z.output<typeof x12WriterOptions>;

const TARGET = /^([A-Z][A-Z0-9]{1,2})(\d{2})$/;

export function checkX12Target(target: string, o: X12WriterOptions): string | undefined {
  const m = TARGET.exec(target);
  if (!m) return `${JSON.stringify(target)} is not an X12 element such as LIN03 or QTY02`;
  if (!o.record.includes(m[1])) return `${target}: segment ${m[1]} is not in x12.record (${o.record.join(", ")})`;
  if (Number(m[2]) < 1) return `${target}: elements count from 01`;
  return undefined;
}

/** The segments after ST, from the mapping's templates: {date} {time} {seconds} {reference}. */
function headerSegmentsOf(
  o: X12WriterOptions,
  control: ControlNumbers,
  clock: { date: string; time: string; seconds: string },
): string[][] {
  return o.header.map((t) =>
    t
      .replace(/\{(date|time|seconds|reference)\}/g, (_, k: string) =>
        k === "reference" ? controlText(control.isa, 9) : clock[k as "date" | "time" | "seconds"],
      )
      .split("*"),
  );
}

/**
 * A full-snapshot transaction set file, streamed: ISA/GS, then ST, the header segments,
 * one record (LIN loop) per line, CTT and SE, split into several ST/SE when a transaction
 * set would exceed the partner's record limit; GE and IEA close it with exact counts.
 * Control numbers come from the state database, reserved before anything is written.
 */
export async function createX12Writer(
  file: string,
  headers: readonly string[] | null,
  o: X12WriterOptions,
  ctx: WriteContext,
): Promise<RecordWriter> {
  if (!ctx.envelope) throw new Error("an X12 output needs the cart's x12 envelope (output.x12 in the config)");
  const envelope = ctx.envelope.settings as X12Envelope;
  const d = delimsOf(envelope);
  const bad = checkDelims(d);
  if (bad) throw new Error(bad);
  const perTransaction = envelope.maxRecordsPerTransaction;
  const transactions = Math.max(1, Math.ceil(ctx.plannedRecords / perTransaction));
  const control = await ctx.envelope.reserve(transactions);
  const clock = x12Clock(ctx.now, envelope.timeZone);

  // where each column's value goes: segment of the record template, element position
  const places = (headers ?? []).map((h) => {
    const m = TARGET.exec(h)!;
    return { segment: o.record.indexOf(m[1]), element: Number(m[2]) };
  });
  const totalAt = o.quantityTotal ? places.findIndex((_, i) => headers![i] === o.quantityTotal) : -1;
  const headerSegments = headerSegmentsOf(o, control, clock);

  const out = await createOutputFile(file, envelope.charset === "utf8" ? "utf8" : "latin1");
  out.append(openingSegments(envelope, d, o.functionalId, control, ctx.now));
  let stIndex = 0;
  let inTransaction = 0; // records in the open transaction set
  let segmentsInSt = 0;
  let total = 0;
  let stOpen = false;

  const put = (elements: string[]) => {
    out.append(segmentText(elements, d));
    segmentsInSt++;
  };
  const stControl = () => controlText(control.st + stIndex, 4);
  const openSt = () => {
    segmentsInSt = 0;
    inTransaction = 0;
    total = 0;
    put(["ST", o.transaction, stControl()]);
    for (const s of headerSegments) put(s);
    stOpen = true;
  };
  const closeSt = () => {
    put(o.quantityTotal ? ["CTT", String(inTransaction), String(total)] : ["CTT", String(inTransaction)]);
    put(["SE", String(segmentsInSt + 1), stControl()]);
    stIndex++;
    stOpen = false;
  };

  /** the transaction set the next record goes in: the open one, or a new one once it is full (false: none left) */
  const recordGoesIn = () => {
    if (stOpen && inTransaction >= perTransaction) closeSt();
    if (stOpen) return true;
    if (stIndex >= transactions) return false;
    openSt();
    return true;
  };

  return {
    write(values) {
      const segments: string[][] = o.record.map((id) => [id]);
      for (let i = 0; i < values.length; i++) {
        const r = cleanValue(values[i], d, envelope.charset, o.invalidCharacters === "strip");
        if (!r.ok) return `${headers![i]} ${JSON.stringify(values[i])} ${r.reason}`;
        const { segment, element } = places[i];
        // a value its element cannot hold (LIN03 longer than 48) would make the partner reject the set
        const unfit = elementProblem(o.record[segment], element, r.value);
        if (unfit) return `${headers![i]} ${JSON.stringify(r.value)} ${unfit}`;
        const seg = segments[segment];
        while (seg.length <= element) seg.push("");
        seg[element] = r.value;
      }
      if (totalAt >= 0 && !/^-?\d+$/.test(values[totalAt]))
        return `${o.quantityTotal} ${JSON.stringify(values[totalAt])} is not a whole number for CTT02`;
      if (!recordGoesIn()) return "more records than the control numbers reserved for this file";
      for (const s of segments) put(s);
      inTransaction++;
      if (totalAt >= 0) total += Number(values[totalAt]);
      return out.maybeFlush()?.then(() => undefined);
    },
    copy(kept) {
      if (!recordGoesIn()) throw new Error("more records than the control numbers reserved for this file");
      out.append(kept.text);
      segmentsInSt += o.record.length;
      inTransaction++;
      total += kept.total ?? 0;
      return out.maybeFlush();
    },
    async close() {
      if (!stOpen && stIndex === 0) openSt();
      if (stOpen) closeSt();
      out.append(closingSegments(d, control, stIndex));
      return out.close();
    },
    sha256: out.sha256,
    abort: out.abort,
  };
}

/**
 * The same file for a new interchange: an earlier file of this writer (same mapping, same
 * envelope) whose records are still exactly what the cart should get is copied segment by
 * segment, with new control numbers (reserved as for a new file) and the new time in ISA, GS,
 * every ST and its header segments, SE, GE and IEA. Streamed: memory stays at one chunk.
 * Throws when the earlier file does not have the shape this writer gives files.
 */
export async function restampX12(from: string, file: string, o: X12WriterOptions, ctx: WriteContext): Promise<number> {
  if (!ctx.envelope) throw new Error("an X12 output needs the cart's x12 envelope (output.x12 in the config)");
  const envelope = ctx.envelope.settings as X12Envelope;
  const d = delimsOf(envelope);
  const encoding = envelope.charset === "utf8" ? "utf8" : "latin1";
  const transactions = Math.max(1, Math.ceil(ctx.plannedRecords / envelope.maxRecordsPerTransaction));
  const control = await ctx.envelope.reserve(transactions);
  const headers = headerSegmentsOf(o, control, x12Clock(ctx.now, envelope.timeZone));
  const out = await createOutputFile(file, encoding);
  try {
    out.append(openingSegments(envelope, d, o.functionalId, control, ctx.now));
    let st = -1; // index of the open transaction set
    let skipHeaders = 0;
    let seen = 0; // segments read
    let closed = false;
    /** the segment, or undefined for one copied as it is (runs of them go out as one slice) */
    const replace = (text: string, start: number, end: number): string | undefined => {
      seen++;
      const at = text.indexOf(d.element, start);
      const id = text.slice(start, at >= 0 && at < end ? at : end);
      if (seen <= 2) {
        if (id !== (seen === 1 ? "ISA" : "GS"))
          throw new Error(`segment ${seen} is ${id}, not ${seen === 1 ? "ISA" : "GS"}`);
        return "";
      }
      if (skipHeaders > 0) {
        skipHeaders--;
        return "";
      }
      if (id === "ST") {
        st++;
        if (st >= transactions)
          throw new Error(`more than the ${transactions} transaction sets its ${ctx.plannedRecords} records make`);
        skipHeaders = headers.length;
        return (
          segmentText(["ST", o.transaction, controlText(control.st + st, 4)], d) +
          headers.map((h) => segmentText(h, d)).join("")
        );
      }
      if (id === "SE")
        return segmentText(["SE", text.slice(start, end).split(d.element)[1], controlText(control.st + st, 4)], d);
      if (id === "GE" || id === "IEA") {
        closed = true;
        return "";
      }
      return undefined;
    };
    let carry = "";
    for await (const chunk of createReadStream(from, { encoding, highWaterMark: 256 * 1024 })) {
      const text = carry + chunk;
      let pos = 0;
      let runStart = -1; // the first of the segments being copied as they are
      let runEnd = 0; // after the last one's terminator
      for (;;) {
        while (d.lineBreak && (text[pos] === "\r" || text[pos] === "\n")) pos++;
        const end = text.indexOf(d.segment, pos);
        if (end < 0) break;
        const replaced = replace(text, pos, end);
        if (replaced === undefined) {
          if (runStart < 0) runStart = pos;
          runEnd = end + d.segment.length;
        } else {
          if (runStart >= 0) out.append(text.slice(runStart, runEnd) + d.lineBreak);
          runStart = -1;
          out.append(replaced);
        }
        pos = end + d.segment.length;
      }
      if (runStart >= 0) out.append(text.slice(runStart, runEnd) + d.lineBreak);
      carry = text.slice(pos);
      const flushed = out.maybeFlush();
      if (flushed) await flushed;
    }
    if (carry.trim() !== "") throw new Error("the file does not end with a segment terminator");
    if (!closed || st + 1 !== transactions)
      throw new Error(`${st + 1} transaction sets where ${transactions} were expected`);
    out.append(closingSegments(d, control, transactions));
    return await out.close();
  } catch (e) {
    await out.abort();
    throw new Error(`cannot restamp ${from}: ${(e as Error).message}`);
  }
}

/** the segments around a transaction set's records */
const ENVELOPE = new Set(["ISA", "GS", "CTT", "SE", "GE", "IEA"]);

/**
 * The records of a file this writer wrote, each with its key column's value and the value it
 * adds to CTT02: every run of `x12.record` segments inside a transaction set, after ST and its
 * header segments, up to CTT. Undefined where values were stripped of characters (the key
 * would not be the code).
 */
export function x12KeptRecords(
  from: string,
  headers: readonly string[],
  o: X12WriterOptions,
  keyColumn: number,
  ctx: Pick<WriteContext, "envelope">,
): AsyncIterable<KeptRecord[]> | undefined {
  if (!ctx.envelope || o.invalidCharacters === "strip") return undefined;
  const envelope = ctx.envelope.settings as X12Envelope;
  const d = delimsOf(envelope);
  const place = (target: string) => {
    const m = TARGET.exec(target)!;
    return { segment: o.record.indexOf(m[1]), element: Number(m[2]) };
  };
  const keyAt = place(headers[keyColumn]);
  const totalAt = o.quantityTotal ? place(o.quantityTotal) : undefined;
  const element = (segment: string, at: number) => {
    let start = 0;
    for (let i = 0; i < at; i++) {
      const next = segment.indexOf(d.element, start);
      if (next < 0) return "";
      start = next + d.element.length;
    }
    const end = segment.indexOf(d.element, start);
    return segment.slice(start, end < 0 ? segment.length : end);
  };
  const ending = d.segment + d.lineBreak;
  const starts = o.record.map((id) => id + d.element);
  /** the record at `pos` when the text there is one whole record, its segments each ending as the writer ends them */
  const wholeRecord = (text: string, pos: number): { record: KeptRecord; end: number } | undefined => {
    let key = "";
    let total: number | undefined;
    let at = pos;
    for (let i = 0; i < starts.length; i++) {
      if (!text.startsWith(starts[i], at)) return undefined;
      const stop = text.indexOf(d.segment, at);
      if (stop < 0 || !text.startsWith(d.lineBreak, stop + d.segment.length)) return undefined;
      if (i === keyAt.segment) key = element(text.slice(at, stop), keyAt.element);
      if (i === totalAt?.segment) total = Number(element(text.slice(at, stop), totalAt.element));
      at = stop + ending.length;
    }
    return { record: { key, text: text.slice(pos, at), total }, end: at };
  };
  return (async function* () {
    let where = "envelope" as "envelope" | "header" | "records" | "closed";
    let headersLeft = 0;
    let record: string[] = [];
    let carry = "";
    for await (const chunk of textChunks(from, envelope.charset === "utf8" ? "utf8" : "latin1")) {
      const text = carry + chunk;
      const batch: KeptRecord[] = [];
      let pos = 0;
      for (;;) {
        while (d.lineBreak && (text[pos] === "\r" || text[pos] === "\n")) pos++;
        if (where === "records" && record.length === 0) {
          // a whole record as the writer writes it, read at once: most of a file is records
          const r = wholeRecord(text, pos);
          if (r) {
            batch.push(r.record);
            pos = r.end;
            continue;
          }
        }
        const end = text.indexOf(d.segment, pos);
        if (end < 0) break;
        const segment = text.slice(pos, end);
        pos = end + d.segment.length;
        const cut = segment.indexOf(d.element);
        const id = cut < 0 ? segment : segment.slice(0, cut);
        if (where === "closed") throw notAsWritten(`segment ${id} after IEA`);
        if (id === "ST") [where, headersLeft] = [o.header.length > 0 ? "header" : "records", o.header.length];
        else if (where === "header") where = --headersLeft > 0 ? "header" : "records";
        else if (ENVELOPE.has(id)) {
          if (record.length > 0) throw notAsWritten(`${id} inside a record`);
          where = id === "IEA" ? "closed" : "envelope";
        } else if (where === "envelope") throw notAsWritten(`segment ${id} outside a transaction set's records`);
        else if (id !== o.record[record.length])
          throw notAsWritten(`segment ${id} where ${o.record[record.length]} goes`);
        else if (record.push(segment) === o.record.length) {
          batch.push({
            key: element(record[keyAt.segment], keyAt.element),
            text: record.join(ending) + ending,
            total: totalAt ? Number(element(record[totalAt.segment], totalAt.element)) : undefined,
          });
          record = [];
        }
      }
      carry = text.slice(pos);
      if (batch.length > 0) yield batch;
    }
    if (where !== "closed" || carry.trim() !== "") throw notAsWritten("it does not end with IEA");
  })();
}
