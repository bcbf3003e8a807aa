import { z } from "zod";
import { isValidTimeZone } from "../../util/time.js";
import { cartQualifierProblems, type OutputColumn } from "./qualifiers.js";

/**
 * What a trading partner's agreement fixes for the interchanges we send them: ids and
 * qualifiers, version, delimiters, character set. It lives in the cart's (or feed's) config.
 */
const delimiter = z
  .string()
  .length(1)
  .refine((c) => !/[A-Za-z0-9 ]/.test(c), "a delimiter cannot be a letter, digit or space");
const partyId = z
  .strictObject({
    qualifier: z
      .string()
      .regex(/^[A-Z0-9]{2}$/, "two characters, e.g. ZZ, 01, 08, 12")
      .describe("ISA05/ISA07: 01 DUNS, 08 UCC EDI, 12 phone, 14 DUNS+suffix, ZZ mutually defined..."),
    id: z
      .string()
      .min(1)
      .max(15)
      .regex(/^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/, "1-15 printable ASCII characters")
      .describe("ISA06/ISA08, padded to 15"),
    application: z
      .string()
      .min(2)
      .max(15)
      .optional()
      .describe("GS02/GS03 application code (2-15 characters); defaults to the id"),
  })
  .refine((p) => p.application !== undefined || p.id.trim().length >= 2, {
    message: "GS02/GS03 need 2-15 characters and this id has 1: give an application code",
    path: ["application"],
  });

export const x12EnvelopeSchema = z.strictObject({
  sender: partyId.describe("us: ISA05/ISA06 and GS02"),
  receiver: partyId.describe("the partner: ISA07/ISA08 and GS03"),
  version: z.enum(["004010", "005010"]).default("004010").describe("ISA12 and GS08 (00401/004010 or 00501/005010)"),
  usage: z.enum(["P", "T"]).default("P").describe("ISA15: P production, T test"),
  ackRequested: z.boolean().default(false).describe("ISA14: ask the partner for a TA1"),
  delimiters: z
    .strictObject({
      element: delimiter.default("*").describe("between elements (ISA's 4th character)"),
      component: delimiter.default(">").describe("between components (ISA16)"),
      segment: z.string().length(1).default("~").describe("after each segment"),
      repetition: delimiter.default("^").describe("ISA11 from 00501 on"),
    })
    .default({ element: "*", component: ">", segment: "~", repetition: "^" })
    .describe("the partner's delimiters"),
  lineBreak: z
    .enum(["none", "lf", "crlf"])
    .default("none")
    .describe("written after each segment terminator (many partners read the file better with one)"),
  charset: z
    .enum(["basic", "extended", "utf8"])
    .default("extended")
    .describe(
      "basic: upper case letters, digits, space and ! \" & ' ( ) * + , - . / : ; ? = extended (default): printable ASCII; utf8: any character but control characters",
    ),
  timeZone: z.string().default("UTC").describe("the zone of ISA09/10, GS04/05 and the dates in the body"),
  maxRecordsPerTransaction: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(10000)
    .describe("the 4010 846 allows 10,000 LIN per transaction set: more are split into several ST/SE"),
});

export type X12Envelope = z.output<typeof x12EnvelopeSchema>;

import type { ControlNumbers } from "../types.js";
export type { ControlNumbers };

export interface Delims {
  element: string;
  component: string;
  segment: string;
  repetition?: string;
  lineBreak: string;
}

export function delimsOf(e: X12Envelope): Delims {
  return {
    ...e.delimiters,
    repetition: e.version === "005010" ? e.delimiters.repetition : undefined,
    lineBreak: { none: "", lf: "\n", crlf: "\r\n" }[e.lineBreak],
  };
}

/** Why these delimiters would make files a partner cannot read, or undefined. */
export function checkDelims(d: Delims): string | undefined {
  const used = [d.element, d.component, d.segment, ...(d.repetition ? [d.repetition] : [])];
  if (new Set(used).size !== used.length)
    return `the delimiters must differ from each other (${used.map((c) => JSON.stringify(c)).join(" ")})`;
  if (/[A-Za-z0-9 ]/.test(d.segment))
    return `the segment terminator ${JSON.stringify(d.segment)} cannot be a letter, digit or space`;
  if (/[\r\n]/.test(d.segment) && d.lineBreak !== "")
    return "the segment terminator is a line break and lineBreak adds another: every other segment would be empty (set lineBreak: none)";
  if (/[\r\n]/.test(d.element + d.component + (d.repetition ?? "")))
    return "only the segment terminator may be a line break";
  return undefined;
}

const BASIC = /^[A-Z0-9 !"&'()*+,\-./:;?=]*$/;
const EXTENDED = /^[\x20-\x7E]*$/;
const CONTROL = /[\x00-\x1F\x7F]/;

/**
 * Checks one value against the partner's delimiters and character set. Returns the value
 * to write, or the reason it cannot be written. With `strip`, delimiters and control
 * characters are removed, accents dropped (é to e) and, in the basic set, letters upper-cased.
 */
export function cleanValue(
  value: string,
  d: Delims,
  charset: X12Envelope["charset"],
  strip: boolean,
): { ok: true; value: string } | { ok: false; reason: string } {
  const delims = [d.element, d.component, d.segment, ...(d.repetition ? [d.repetition] : [])];
  let v = value;
  if (strip) {
    v = v.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    for (const c of delims) v = v.split(c).join("");
    v = v.replace(/[\x00-\x1F\x7F]/g, "");
    if (charset === "basic") v = v.toUpperCase().replace(/[^A-Z0-9 !"&'()*+,\-./:;?=]/g, "");
    else if (charset === "extended") v = v.replace(/[^\x20-\x7E]/g, "");
    return { ok: true, value: v };
  }
  const hit = delims.find((c) => v.includes(c));
  if (hit !== undefined)
    return {
      ok: false,
      reason: `contains ${JSON.stringify(hit)}, a delimiter of this partner's X12: it would break the interchange`,
    };
  if (CONTROL.test(v)) return { ok: false, reason: "contains a control character" };
  if (charset === "basic" && !BASIC.test(v))
    return { ok: false, reason: "has characters outside the X12 basic character set this partner declares" };
  if (charset === "extended" && !EXTENDED.test(v))
    return {
      ok: false,
      reason: "has non-ASCII characters, outside the X12 extended character set this partner declares",
    };
  return { ok: true, value: v };
}

/** Joins elements into one segment: empty elements inside are kept, trailing ones are not. */
export function segmentText(elements: readonly string[], d: Delims): string {
  let n = elements.length;
  while (n > 1 && elements[n - 1] === "") n--;
  return elements.slice(0, n).join(d.element) + d.segment + d.lineBreak;
}

/** Wall-clock parts of an instant in a zone: CCYYMMDD, HHMM, HHMMSS. */
export function x12Clock(instant: number, timeZone: string): { date: string; time: string; seconds: string } {
  const parts: Record<string, string> = {};
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  for (const p of f.formatToParts(new Date(instant))) parts[p.type] = p.value;
  const date = `${parts.year}${parts.month}${parts.day}`;
  return { date, time: `${parts.hour}${parts.minute}`, seconds: `${parts.hour}${parts.minute}${parts.second}` };
}

const pad = (v: string, n: number) => v.padEnd(n, " ").slice(0, n);
export const controlText = (n: number, width: number) => String(n).padStart(width, "0");

export interface Party {
  qualifier: string;
  id: string;
  application?: string;
}

/** The ISA and GS of an interchange with one functional group; every ISA element at its fixed width. */
export function openingSegments(
  e: {
    sender: Party;
    receiver: Party;
    version: "004010" | "005010";
    usage: string;
    ackRequested: boolean;
    timeZone: string;
  },
  d: Delims,
  functionalId: string,
  control: ControlNumbers,
  now: number,
): string {
  const { date, time } = x12Clock(now, e.timeZone);
  const isa = [
    "ISA",
    "00",
    pad("", 10),
    "00",
    pad("", 10),
    pad(e.sender.qualifier, 2),
    pad(e.sender.id, 15),
    pad(e.receiver.qualifier, 2),
    pad(e.receiver.id, 15),
    date.slice(2),
    time,
    e.version === "005010" ? d.repetition! : "U",
    e.version === "005010" ? "00501" : "00401",
    controlText(control.isa, 9),
    e.ackRequested ? "1" : "0",
    e.usage,
    d.component,
  ];
  // ISA16 is the last element: its value is the component separator, never trimmed
  const gs = [
    "GS",
    functionalId,
    e.sender.application ?? e.sender.id,
    e.receiver.application ?? e.receiver.id,
    date,
    time,
    String(control.gs),
    "X",
    e.version,
  ];
  return isa.join(d.element) + d.segment + d.lineBreak + segmentText(gs, d);
}

export function closingSegments(d: Delims, control: ControlNumbers, transactions: number): string {
  return (
    segmentText(["GE", String(transactions), String(control.gs)], d) +
    segmentText(["IEA", "1", controlText(control.isa, 9)], d)
  );
}

/** The key control numbers are kept under: one sequence per sender and receiver pair. */
export function x12Partner(sender: Party, receiver: Party): string {
  return `${sender.qualifier}:${sender.id}>${receiver.qualifier}:${receiver.id}`;
}

/**
 * A cart's X12 envelope checked for that cart: delimiters a partner can read, qualifiers that
 * agree with what the cart sends as its code (qualifiers.ts), a known time zone.
 */
export function x12EnvelopeProblems(
  e: X12Envelope,
  columns: readonly OutputColumn[],
  alias: string | null,
): Array<{ at: string[]; message: string }> {
  const out: Array<{ at: string[]; message: string }> = [];
  const bad = checkDelims(delimsOf(e));
  if (bad) out.push({ at: ["x12", "delimiters"], message: bad });
  for (const p of cartQualifierProblems(columns, alias)) out.push({ at: ["mapping"], message: p });
  if (!isValidTimeZone(e.timeZone))
    out.push({ at: ["x12", "timeZone"], message: `unknown time zone ${JSON.stringify(e.timeZone)}` });
  return out;
}
