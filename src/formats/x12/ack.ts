import type { InterchangeSummary, TransactionSummary } from "./envelope.js";
import {
  cleanValue,
  closingSegments,
  controlText,
  openingSegments,
  segmentText,
  x12Clock,
  x12Partner,
  type ControlNumbers,
  type Delims,
  type Party,
} from "./interchange.js";
import { parseElementRef } from "./refs.js";

/** A rejected value of the interchange, as the load recorded it (line = segment position in the file). */
export interface AckReject {
  line: number;
  field: string;
  value: string;
  reason: string;
}

/** AK5/AK9 code 1: transaction set not supported (not what this feed reads). */
const NOT_SUPPORTED = "1";
const MAX_AK3_PER_SET = 999;

/** Who acknowledges whom: the 997 goes back from the interchange's receiver to its sender. */
export function ackParties(i: InterchangeSummary): { sender: Party; receiver: Party; partner: string } {
  const sender = { qualifier: i.receiverQualifier, id: i.receiverId };
  const receiver = { qualifier: i.senderQualifier, id: i.senderId };
  return { sender, receiver, partner: x12Partner(sender, receiver) };
}

/** The number of transaction sets (997s) the acknowledgment of `i` holds: one per group. */
export function ackTransactions(i: InterchangeSummary): number {
  return i.duplicateOf ? 0 : i.groups.length;
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

function ak4Code(r: AckReject): string {
  if (r.value.trim() === "") return "1"; // mandatory data element missing
  if (/date|time/i.test(r.reason)) return "8"; // invalid date
  return "6"; // invalid character in data element
}

function transactionStatus(
  t: TransactionSummary,
  expected: string,
  rejects: AckReject[],
): { status: "A" | "E" | "R"; code?: string } {
  if (t.problem) return { status: "R", code: t.problem.code };
  if (t.st01 !== expected) return { status: "R", code: NOT_SUPPORTED };
  return { status: rejects.length > 0 ? "E" : "A" };
}

/**
 * The acknowledgment of one received interchange: a TA1 with note 025 when its control
 * number was a duplicate, else a 997 per functional group: AK1 (GS01, GS06), AK2 per
 * transaction set, AK3/AK4 for each segment and element at fault, AK5 A/E/R, AK9 with the
 * included, received and accepted counts.
 */
export function build997(
  i: InterchangeSummary,
  expectedTransaction: string,
  rejects: AckReject[],
  control: ControlNumbers,
  now: number,
): string {
  const { sender, receiver } = ackParties(i);
  const version = Number(i.version) >= 501 ? "005010" : "004010";
  const d = ackDelims(i);
  const e = {
    sender,
    receiver,
    version,
    usage: i.usage === "T" ? "T" : "P",
    ackRequested: false,
    timeZone: "UTC",
  } as const;
  const clean = (v: string) => {
    const r = cleanValue(v, d, "extended", true);
    return r.ok ? r.value.slice(0, 99) : "";
  };
  let out = openingSegments(e, d, "FA", control, now);
  if (i.duplicateOf) {
    // TA1 goes between ISA and GS; a duplicate interchange has no group acknowledged
    const { date, time } = x12Clock(now, "UTC");
    const ta1 = segmentText(["TA1", i.control, date.slice(2), time, "R", "025"], d);
    const isaEnd = out.indexOf("GS" + d.element);
    return out.slice(0, isaEnd) + ta1 + segmentText(["IEA", "0", controlText(control.isa, 9)], d);
  }
  let st = control.st;
  for (const g of i.groups) {
    const body: string[][] = [["AK1", g.gs01, g.gs06, ...(version === "005010" ? [g.gs08] : [])]];
    let accepted = 0;
    let rejected = 0;
    let withErrors = 0;
    for (const t of g.transactions) {
      const last = t.firstSegment + t.segmentCount - 1;
      const mine = rejects.filter((r) => r.line >= t.firstSegment && r.line <= last && r.field !== "(line)");
      const { status, code } = transactionStatus(t, expectedTransaction, mine);
      body.push(["AK2", t.st01, t.st02]);
      if (status !== "R") {
        const bySegment = new Map<number, AckReject[]>();
        for (const r of mine) bySegment.set(r.line, [...(bySegment.get(r.line) ?? []), r]);
        let n = 0;
        for (const [line, rs] of [...bySegment].sort((a, b) => a[0] - b[0])) {
          if (++n > MAX_AK3_PER_SET) break;
          const ref = parseElementRef(rs[0].field.split(" + ")[0]);
          if (typeof ref === "string") continue;
          body.push(["AK3", ref.segment, String(line - t.firstSegment + 1), "", "8"]);
          for (const r of rs) {
            const er = parseElementRef(r.field.split(" + ")[0]);
            if (typeof er !== "string")
              body.push([
                "AK4",
                er.component ? `${er.element}${d.component}${er.component}` : String(er.element),
                "",
                ak4Code(r),
                clean(r.value),
              ]);
          }
        }
      }
      body.push(code ? ["AK5", status, code] : ["AK5", status]);
      if (status === "R") rejected++;
      else accepted++;
      if (status === "E") withErrors++;
    }
    const groupStatus = rejected === 0 ? (withErrors > 0 ? "E" : "A") : accepted === 0 ? "R" : "P";
    const n = String(g.transactions.length);
    body.push(["AK9", groupStatus, n, n, String(accepted)]);
    const stControl = controlText(st++, 4);
    out += segmentText(["ST", "997", stControl], d);
    for (const s of body) out += segmentText(s, d);
    out += segmentText(["SE", String(body.length + 2), stControl], d);
  }
  return out + closingSegments(d, control, i.groups.length);
}
