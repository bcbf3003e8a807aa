import { z } from "zod";
import { createOutputFile } from "../output-file.js";
import type { RecordWriter, WriteContext } from "../types.js";
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
  return {
    write(values) {
      out.append(`${first ? "" : `,${nl}`}${object(values)}`);
      first = false;
      return out.maybeFlush()?.then(() => undefined);
    },
    async close() {
      out.append(`${nl}]${o.root === undefined ? "" : "}"}\n`);
      return out.close();
    },
    abort: out.abort,
  };
}
