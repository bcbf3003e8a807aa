#!/usr/bin/env node
// npm run bench:x12 [-- N]   (default N = 200,000 lines)
// The X12 846 of N lines (split at 10,000 LIN per transaction set) written two ways:
// stockfeed's streamed writer (what carts get), and node-x12's generator (JSEDINotation built
// in memory, X12Generator.toString(), which validates by parsing what it made). Then node-x12
// strict-parses stockfeed's file: node-x12 stays the parser and validator of what is written.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JSEDINotation, X12Generator, X12Parser } from "node-x12";
import { createX12Writer } from "../dist/formats/x12/writer.js";
import { x12EnvelopeSchema } from "../dist/formats/x12/interchange.js";
import { x12WriterOptions } from "../dist/formats/x12/writer.js";

const N = Number(process.argv[2] ?? 200_000);
const PER_SET = 10_000;
const now = Date.parse("2026-11-20T12:00:00Z");
const code = (i) => `SKU-${String(i).padStart(8, "0")}`;
const qty = (i) => String((i * 7919) % 60);
const dir = mkdtempSync(join(tmpdir(), "stockfeed-x12-"));
const envelope = x12EnvelopeSchema.parse({
  sender: { qualifier: "ZZ", id: "BENCH" },
  receiver: { qualifier: "ZZ", id: "PARTNER" },
});
const mb = (b) => (b / 2 ** 20).toFixed(0);

/** time, and V8 heap in use when fn is done (before a collection; the writer's is sampled while it awaits) */
function measure(label, fn) {
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const t0 = performance.now();
  return Promise.resolve(fn()).then((bytes) => {
    const s = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    console.log(
      `${label.padEnd(34)} ${s.toFixed(2)} s  ${Math.round(N / s)} lines/s  ${mb(bytes)} MB written  heap +${mb(peak - heap0)} MB`,
    );
    return { seconds: s, bytes, heapMb: (peak - heap0) / 2 ** 20 };
  });
}

const ours = await measure("stockfeed streamed writer", async () => {
  const file = join(dir, "ours.x12");
  const w = await createX12Writer(
    file,
    ["LIN02", "LIN03", "QTY01", "QTY02", "QTY03"],
    x12WriterOptions.parse({ record: ["LIN", "QTY"] }),
    {
      now,
      plannedRecords: N,
      x12: { envelope, reserve: () => ({ isa: 1, gs: 1, st: 1 }) },
    },
  );
  for (let i = 0; i < N; i++) {
    const r = w.write(["SK", code(i), "33", qty(i), "EA"]);
    if (r instanceof Promise) await r;
  }
  return w.close();
});

const theirs = await measure("node-x12 X12Generator.toString()", () => {
  const isa = [
    "00",
    "          ",
    "00",
    "          ",
    "ZZ",
    "BENCH          ",
    "ZZ",
    "PARTNER        ",
    "261120",
    "1200",
    "U",
    "00401",
    "000000001",
    "0",
    "P",
    ">",
  ];
  const jsen = new JSEDINotation(isa);
  const group = jsen.addFunctionalGroup(["IB", "BENCH", "PARTNER", "20261120", "1200", "1", "X", "004010"]);
  for (let set = 0; set * PER_SET < N; set++) {
    const tx = group.addTransaction(["846", String(set + 1).padStart(4, "0")]);
    tx.addSegment("BIA", ["00", "SI", "000000001", "20261120", "1200"]);
    tx.addSegment("DTM", ["405", "20261120", "1200"]);
    const end = Math.min(N, (set + 1) * PER_SET);
    for (let i = set * PER_SET; i < end; i++) {
      tx.addSegment("LIN", ["", "SK", code(i)]);
      tx.addSegment("QTY", ["33", qty(i), "EA"]);
    }
    tx.addSegment("CTT", [String(end - set * PER_SET)]);
  }
  return Buffer.byteLength(
    new X12Generator(jsen, { segmentTerminator: "~", elementDelimiter: "*", subElementDelimiter: ">" }).toString(),
  );
});

const parse = await measure("node-x12 strict parse of ours", () => {
  const text = readFileSync(join(dir, "ours.x12"), "latin1");
  const i = new X12Parser(true).parse(text);
  const sets = i.functionalGroups[0].transactions.length;
  if (sets !== Math.ceil(N / PER_SET)) throw new Error(`node-x12 read ${sets} transaction sets`);
  return statSync(join(dir, "ours.x12")).size;
});
console.log(
  `x12 N=${N} ours_s=${ours.seconds.toFixed(2)} node_x12_s=${theirs.seconds.toFixed(2)} speedup=${(theirs.seconds / ours.seconds).toFixed(1)} node_x12_heap_mb=${theirs.heapMb.toFixed(0)} validate_s=${parse.seconds.toFixed(2)}`,
);
rmSync(dir, { recursive: true, force: true });
