import { describeRecordError } from "../errors.js";
import { checkMapping } from "../mapping/check.js";
import { isoUtc, parseIso } from "../util/time.js";
import { printJson, table, type Io } from "./output.js";

const show = (v: unknown) =>
  v === null
    ? ""
    : typeof v === "number" && v > 1e11
      ? isoUtc(v)
      : Array.isArray(v)
        ? v.join(" | ")
        : String(v).replace(/\s*\n\s*/g, " ");

/** `stockfeed mapping check MAPPING [--sample FILE]`: exit 0 when the mapping and sample are clean, 1 with rejects, 2 when the mapping is invalid. */
export async function mappingCheckCommand(
  args: { mapping: string; sample?: string; json?: boolean; now?: string },
  io: Io,
): Promise<number> {
  const now = args.now ? (parseIso(args.now, "UTC") as { ok: true; value: number }).value : Date.now();
  const r = await checkMapping(args.mapping, args.sample, now);
  if (args.json) printJson(io, r);
  else if ("targets" in r) {
    io.out(`${r.mapping}: a valid ${r.kind} mapping (${r.format}): ${r.targets.join(", ")}`);
    if (r.rendered !== undefined) {
      io.out(`--- rendered from ${args.sample}`);
      io.out(r.rendered);
      for (const l of r.leftOut ?? []) io.out(`${args.sample}:${l.line}: left out: ${l.reason}`);
    }
  } else {
    io.out(`${r.mapping}: a valid ${r.kind} mapping (${r.format}) reading ${r.columns.join(", ")}`);
    if (r.sample) {
      // columns no record fills (a product has 30 fields; a channel fills some) are left out
      const fields = r.sample.records.length
        ? Object.keys(r.sample.records[0].record).filter((f) => r.sample!.records.some((x) => x.record[f] !== null))
        : [];
      io.out(`${r.sample.records.length} record(s), ${r.sample.rejects.length} reject(s) from ${r.sample.file}`);
      if (fields.length)
        io.out(
          table(
            ["line", ...fields],
            r.sample.records.map((x) => [x.line, ...fields.map((f) => show(x.record[f]))]),
          ),
        );
      for (const e of r.sample.rejects) io.out(`reject: ${describeRecordError(e)}`);
    }
  }
  const rejects = "targets" in r ? (r.leftOut?.length ?? 0) : (r.sample?.rejects.length ?? 0);
  return rejects > 0 ? 1 : 0;
}
