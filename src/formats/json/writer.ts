import { z } from "zod";
import { createOutputFile } from "../output-file.js";
import { notAsWritten, textLines } from "../kept-records.js";
import type { KeptRecord, RecordWriter, WriteContext } from "../types.js";
import { parseJsonPath } from "./path.js";

export const jsonWriterOptions = z.strictObject({
  /** the key holding the array of records ({"inventory": [...]}); none for a bare array */
  root: z.string().min(1).optional(),
  /** column targets written as JSON numbers (when the value is a number), e.g. [quantity] */
  numbers: z.array(z.string()).default([]),
  /** one record per line (default) or everything on one line */
  lines: z.boolean().default(true),
});

export type JsonWriterOptions = z.output<typeof jsonWriterOptions>;

/** A column's target: a key of the record, or keys into nested objects (stock.available). */
export function checkJsonTarget(target: string): string | undefined {
  const p = parseJsonPath(target);
  return typeof p === "string" || p.absolute || p.steps.some((s) => !("key" in s))
    ? `${JSON.stringify(target)} is not an output key (quantity, stock.available)`
    : undefined;
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** A JSON document written as a stream: one object per line, escaped by JSON.stringify. */
export async function createJsonWriter(
  file: string,
  headers: readonly string[] | null,
  o: JsonWriterOptions,
  _ctx: WriteContext,
): Promise<RecordWriter> {
  const targets = (headers ?? []).map((h) =>
    (parseJsonPath(h) as { steps: Array<{ key: string }> }).steps.map((s) => s.key),
  );
  const numeric = (headers ?? []).map((h) => o.numbers.includes(h));
  const out = await createOutputFile(file);
  const nl = o.lines ? "\n" : "";
  out.append(o.root === undefined ? `[${nl}` : `{${JSON.stringify(o.root)}:[${nl}`);
  let first = true;
  const object = (values: readonly string[]) => {
    const rec = new Map<string, unknown>();
    targets.forEach((keys, i) => {
      let at = rec;
      for (const k of keys.slice(0, -1)) {
        if (!(at.get(k) instanceof Map)) at.set(k, new Map());
        at = at.get(k) as Map<string, unknown>;
      }
      at.set(keys.at(-1)!, numeric[i] && NUMBER.test(values[i]) ? Number(values[i]) : values[i]);
    });
    // Maps, not objects: a target named __proto__ is just a key
    const text = (m: Map<string, unknown>): string =>
      `{${[...m].map(([k, v]) => `${JSON.stringify(k)}:${v instanceof Map ? text(v) : JSON.stringify(v)}`).join(",")}}`;
    return text(rec);
  };
  const append = (text: string) => {
    out.append(`${first ? "" : `,${nl}`}${text}`);
    first = false;
    return out.maybeFlush();
  };
  return {
    write: (values) => append(object(values))?.then(() => undefined),
    copy: (kept) => append(kept.text),
    async close() {
      out.append(`${nl}]${o.root === undefined ? "" : "}"}\n`);
      return out.close();
    },
    sha256: out.sha256,
    abort: out.abort,
  };
}

/**
 * The records of a file this writer wrote one record per line (`lines`), each with its key
 * column's value. Undefined for files on one line, or a key written as a number.
 */
export function jsonKeptRecords(
  from: string,
  headers: readonly string[],
  o: JsonWriterOptions,
  keyColumn: number,
): AsyncIterable<KeptRecord[]> | undefined {
  if (!o.lines || o.numbers.includes(headers[keyColumn])) return undefined;
  const keys = (parseJsonPath(headers[keyColumn]) as { steps: Array<{ key: string }> }).steps.map((s) => s.key);
  const opening = o.root === undefined ? "[" : `{${JSON.stringify(o.root)}:[`;
  const closing = o.root === undefined ? "]" : "]}";
  const keyOf = (text: string): string => {
    let v: unknown = JSON.parse(text);
    for (const k of keys) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v !== "string") throw notAsWritten(`a record without its key ${keys.join(".")}: ${text}`);
    return v;
  };
  return (async function* () {
    let state: "opening" | "records" | "closed" = "opening";
    for await (const lines of textLines(from, "\n")) {
      const batch: KeptRecord[] = [];
      for (const line of lines) {
        if (state === "closed") throw notAsWritten(`text after ${closing}`);
        if (state === "opening") {
          if (line !== opening) throw notAsWritten(`it does not open with ${opening}`);
          state = "records";
        } else if (line === closing) state = "closed";
        else if (line !== "") {
          const text = line.endsWith(",") ? line.slice(0, -1) : line;
          batch.push({ key: keyOf(text), text });
        }
      }
      if (batch.length > 0) yield batch;
    }
    if (state !== "closed") throw notAsWritten(`it does not close with ${closing}`);
  })();
}
