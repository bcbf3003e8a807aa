import type { Acknowledgment } from "../types.js";
import type { GroupSummary, InterchangeSummary, TransactionSummary } from "./envelope.js";
import {
  cleanValue,
  controlText,
  openingSegments,
  segmentText,
  x12Clock,
  x12Partner,
  type ControlNumbers,
  type Delims,
  type Party,
} from "./interchange.js";
import type { SyntaxError as X12SegmentError } from "./syntax.js";

/** How a partner wants to hear of an interchange whose envelope is broken. */
export interface AckSettings {
  /** ta1: a TA1 with the note code; 997: a 997 per group with AK9 R */
  interchangeErrors: "ta1" | "997";
}

/** AK5/AK9 code 1: transaction set not supported (not what this feed reads). */
const NOT_SUPPORTED = "1";
/** AK5 code 5: one or more segments in error */
const SEGMENTS_IN_ERROR = "5";
const MAX_AK3_PER_SET = 999;
/** Functional groups that acknowledge others: never acknowledged themselves */
const ACKNOWLEDGMENTS = new Set(["FA"]);

/** Who acknowledges whom: the 997 goes back from the interchange's receiver to its sender. */
export function ackParties(i: InterchangeSummary): { sender: Party; receiver: Party; partner: string } {
  const sender = { qualifier: i.receiverQualifier, id: i.receiverId };
  const receiver = { qualifier: i.senderQualifier, id: i.senderId };
  return { sender, receiver, partner: x12Partner(sender, receiver) };
}

/** What the acknowledgment of `i` holds: a TA1, and a 997 for each of these groups. */
export function ackPlan(
  i: InterchangeSummary,
  settings: AckSettings,
): { ta1?: { status: "A" | "R"; note: string }; groups: GroupSummary[] } {
  if (i.duplicateOf) return { ta1: { status: "R", note: "025" }, groups: [] };
  const groups = i.groups.filter((g) => !ACKNOWLEDGMENTS.has(g.gs01));
  if (i.problem) {
    if (settings.interchangeErrors === "ta1" || groups.length === 0)
      return { ta1: { status: "R", note: i.problem.code }, groups: [] };
    return { groups };
  }
  return { ta1: i.ackRequested ? { status: "A", note: "000" } : undefined, groups };
}

function ackDelims(i: InterchangeSummary): Delims {
  const d = i.delimiters;
  return {
    element: d.element,
    component: d.component,
    segment: d.segment,
    repetition: d.repetition ?? (d.element === "^" ? "{" : "^"),
    lineBreak: d.segment === "\n" ? "" : "\n",
  };
}

interface SetVerdict {
  status: "A" | "E" | "R";
  code?: string;
}

/**
 * AK5 reports X12 syntax, never business: a set whose envelope or segments break the
 * syntax is R (or E when only some records' segments do, the rest loaded); a line the rules
 * reject (a fractional quantity, an unknown item) is the operator's, in the rejects report.
 */
function setVerdict(
  i: InterchangeSummary,
  g: GroupSummary,
  t: TransactionSummary,
  expected: string,
  errors: X12SegmentError[],
): SetVerdict {
  if (i.problem) return { status: "R" };
  if (g.problem) return { status: "R" };
  if (t.problem) return { status: "R", code: t.problem.code };
  if (t.st01 !== expected) return { status: "R", code: NOT_SUPPORTED };
  if (errors.some((e) => e.rejectsSet)) return { status: "R", code: SEGMENTS_IN_ERROR };
  return { status: errors.length > 0 ? "E" : "A" };
}

/** AK3 and AK4 for a set's syntax errors, in segment order. */
function errorSegments(
  t: TransactionSummary,
  errors: X12SegmentError[],
  d: Delims,
  clean: (v: string) => string,
): string[][] {
  const out: string[][] = [];
  const bySegment = new Map<number, X12SegmentError[]>();
  for (const e of errors) bySegment.set(e.segment, [...(bySegment.get(e.segment) ?? []), e]);
  let n = 0;
  for (const [segment, es] of [...bySegment].sort((a, b) => a[0] - b[0])) {
    if (++n > MAX_AK3_PER_SET) break;
    const segmentCode = es.find((e) => e.segmentCode !== undefined)?.segmentCode ?? "8";
    out.push(["AK3", es[0].segmentId, String(segment - t.firstSegment + 1), "", segmentCode]);
    for (const e of es) {
      if (e.element === undefined) continue;
      const position = e.component ? `${e.element}${d.component}${e.component}` : String(e.element);
      out.push(["AK4", position, "", e.code, clean(e.value ?? "")]);
    }
  }
  return out;
}

/** One 997 transaction set acknowledging one functional group. */
function ack997Set(
  i: InterchangeSummary,
  g: GroupSummary,
  expected: string,
  version: string,
  d: Delims,
  clean: (v: string) => string,
): string[][] {
  const body: string[][] = [["AK1", g.gs01, g.gs06, ...(version === "005010" ? [g.gs08] : [])]];
  let accepted = 0;
  let withErrors = 0;
  const listSets = !i.problem && !g.problem;
  for (const t of g.transactions) {
    const mine = t.syntax ?? [];
    const v = setVerdict(i, g, t, expected, mine);
    if (v.status !== "R") accepted++;
    if (v.status === "E") withErrors++;
    if (!listSets) continue;
    body.push(["AK2", t.st01, t.st02]);
    if (v.status !== "R" || v.code === SEGMENTS_IN_ERROR) body.push(...errorSegments(t, mine, d, clean));
    body.push(v.code ? ["AK5", v.status, v.code] : ["AK5", v.status]);
  }
  const n = String(g.transactions.length);
  const rejected = g.transactions.length - accepted;
  const status = rejected === 0 ? (withErrors > 0 ? "E" : "A") : accepted === 0 ? "R" : "P";
  body.push(["AK9", status, n, n, String(accepted), ...(g.problem ? [g.problem.code] : [])]);
  return body;
}

/**
 * The acknowledgment of one received interchange, or undefined when it calls for none (a
 * 997 or TA1 coming back to us). A TA1 when the interchange's envelope is broken (note
 * code), duplicate (025), or when ISA14 asks for one (A, 000); a 997 per functional group,
 * in its own GS whose application codes swap the group's (GS02/GS03), unless the partner
 * takes broken interchanges as a 997 with AK9 R.
 */
export function buildAck(
  i: InterchangeSummary,
  expectedTransaction: string,
  control: ControlNumbers,
  now: number,
  settings: AckSettings,
): string | undefined {
  const plan = ackPlan(i, settings);
  if (!plan.ta1 && plan.groups.length === 0) return undefined;
  const { sender, receiver } = ackParties(i);
  const version = Number(i.version) >= 501 ? "005010" : "004010";
  const d = ackDelims(i);
  const clean = (v: string) => {
    const r = cleanValue(v, d, "extended", true);
    return r.ok ? r.value.slice(0, 99) : "";
  };
  const e = {
    sender,
    receiver,
    version,
    usage: i.usage === "T" ? "T" : "P",
    ackRequested: false,
    timeZone: "UTC",
  } as const;
  const opening = openingSegments(e, d, "FA", control, now);
  let out = opening.slice(0, opening.indexOf(`GS${d.element}`));
  if (plan.ta1) {
    const { date, time } = x12Clock(now, "UTC");
    out += segmentText(["TA1", i.control, date.slice(2), time, plan.ta1.status, plan.ta1.note], d);
  }
  let st = control.st;
  plan.groups.forEach((g, k) => {
    const gsControl = control.gs + k;
    // our GS02/GS03 are the group's GS03/GS02: the application that sent it gets the answer
    const parties = {
      ...e,
      sender: { ...sender, application: g.gs03 || undefined },
      receiver: { ...receiver, application: g.gs02 || undefined },
    };
    const withGs = openingSegments(parties, d, "FA", { ...control, gs: gsControl }, now);
    out += withGs.slice(withGs.indexOf(`GS${d.element}`));
    const body = ack997Set(i, g, expectedTransaction, version, d, clean);
    const stControl = controlText(st++, 4);
    out += segmentText(["ST", "997", stControl], d);
    for (const s of body) out += segmentText(s, d);
    out += segmentText(["SE", String(body.length + 2), stControl], d);
    out += segmentText(["GE", "1", String(gsControl)], d);
  });
  return out + segmentText(["IEA", String(plan.groups.length), controlText(control.isa, 9)], d);
}

/**
 * The acknowledgment of one interchange read by a feed (a TA1 and/or a 997 per group), with
 * the control numbers it takes from `reserve`; undefined when the interchange calls for none
 * (a 997 or TA1 coming back). The format's `acknowledge` capability.
 */
export async function acknowledge(
  i: InterchangeSummary,
  readerOptions: unknown,
  settings: AckSettings,
  reserve: (partner: string, groups: number, sets: number) => Promise<ControlNumbers>,
  now: number,
): Promise<Acknowledgment | undefined> {
  const plan = ackPlan(i, settings);
  if (!plan.ta1 && plan.groups.length === 0) return undefined;
  const { sender, receiver, partner } = ackParties(i);
  const control = await reserve(partner, plan.groups.length, Math.max(1, plan.groups.length));
  const expected = (readerOptions as { transaction: string }).transaction;
  const content = buildAck(i, expected, control, now, settings)!;
  return { sender: sender.id, receiver: receiver.id, control: controlText(control.isa, 9), content };
}
