import { describeRecordError } from "../errors.js";
import { checkMapping } from "../mapping/check.js";
import { isoUtc, parseIso } from "../util/time.js";
import { printJson, table, type Io } from "./output.js";

const show = (v: unknown) => (v === null ? "" : typeof v === "number" && v > 1e11 ? isoUtc(v) : String(v));

/** `stockfeed mapping check MAPPING [--sample FILE]`: exit 0 when the mapping and sample are clean, 1 with rejects, 2 when the mapping is invalid. */
export async function mappingCheckCommand(args: { mapping: string; sample?: string; json?: boolean; now?: string }, io: Io): Promise<number> {
  const now = args.now ? (parseIso(args.now, "UTC") as { ok: true; value: number }).value : Date.now();
  const r = await checkMapping(args.mapping, args.sample, now);
  if (args.json) {
    printJson(io, r);
  } else if (r.kind === "cart-inventory") {
    const o = r as Awaited<ReturnType<typeof checkMapping>> & { targets: string[]; rendered?: string; leftOut?: Array<{ line: number; reason: string }> };
    io.out(`${r.mapping}: a valid cart-inventory mapping (${r.format}): ${o.targets.join(", ")}`);
    if (o.rendered !== undefined) {
      io.out(`--- rendered from ${args.sample}`);
      io.out(o.rendered);
      for (const l of o.leftOut ?? []) io.out(`${args.sample}:${l.line}: left out: ${l.reason}`);
    }
  } else {
    const o = r as Extract<Awaited<ReturnType<typeof checkMapping>>, { columns: string[] }>;
    io.out(`${r.mapping}: a valid ${r.kind} mapping (${r.format}) reading ${o.columns.join(", ")}`);
    if (o.sample) {
      const fields = o.sample.records.length ? Object.keys(o.sample.records[0].record) : [];
      io.out(`${o.sample.records.length} record(s), ${o.sample.rejects.length} reject(s) from ${o.sample.file}`);
      if (fields.length) io.out(table(["line", ...fields], o.sample.records.map((x) => [x.line, ...fields.map((f) => show(x.record[f]))])));
      for (const e of o.sample.rejects) io.out(`reject: ${describeRecordError(e)}`);
    }
  }
  const rejects = "sample" in r ? (r.sample?.rejects.length ?? 0) : "leftOut" in r ? (r.leftOut?.length ?? 0) : 0;
  return rejects > 0 ? 1 : 0;
}
