import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { faultOrThrow, type ReportedError } from "../faults.js";
import { createDestination, deliverFile, type DestinationConfig } from "../transports/index.js";
import { faultPoint } from "../util/fault.js";
import { exists } from "../util/fs.js";
import type { StageContext } from "./context.js";

/** A file recorded as waiting in an outbox: its record, the name it is delivered under, where it waits. */
export interface Waiting {
  id: number;
  name: string;
  path: string;
}

/**
 * One outbox's files (cart files, product files, acknowledgments) and what its ledger does
 * with each. Every outbox is delivered by the same loop, in the order given: the file is
 * published (deliver.ts: temp name, rename, nothing twice), recorded as delivered, then
 * `afterDelivered` (kept copy, removal); a failure is recorded on the file, which waits for
 * the next run.
 */
export interface Outbox {
  /** for the log: "cart file", "product file", "acknowledgment" */
  what: string;
  /** log fields naming the owner (merchant, cart / warehouse / source) */
  where: Record<string, unknown>;
  destination: DestinationConfig;
  /** the fault point after the file is published and before it is recorded (crash tests) */
  afterPublish: string;
  /** the file is written into the outbox from the state first (acknowledgments keep their bytes there) */
  materialize?: (w: Waiting) => Promise<void>;
  delivered(w: Waiting, d: { name: string; location: string; at: number }): Promise<void>;
  failed(w: Waiting, message: string): Promise<void>;
  /**
   * the outbox file is gone: its record says so (what was in it goes in a new file); none where files are materialized
   */
  lost?: (w: Waiting, message: string) => Promise<void>;
  afterDelivered(w: Waiting): Promise<void>;
  /** what ends the round: a cart stops at a lost file as at a failure (files go in order) */
  stopAt: { lost: boolean; failure: boolean };
  /** log messages */
  said: { delivered: string; failed: string; lost?: string };
}

export interface Round {
  delivered: Array<{ waiting: Waiting; name: string; location: string }>;
  /** what ended the round early, when something did */
  failure?: { waiting: Waiting; error: string; fault: ReportedError };
}

/** Delivers the outbox's waiting files, oldest first, as its `stopAt` says. */
export async function deliverOutbox(ctx: StageContext, box: Outbox, files: readonly Waiting[]): Promise<Round> {
  const round: Round = { delivered: [] };
  if (files.length === 0) return round;
  const destination = createDestination(box.destination, { connections: ctx.connections, log: ctx.log });
  for (const w of files) {
    const where = { ...box.where, file: w.name };
    if (!box.materialize && !(await exists(w.path))) {
      const message = `the outbox file ${w.path} is gone`;
      await box.lost?.(w, message);
      ctx.log.error(where, box.said.lost ?? `${box.what} missing from the outbox`);
      const fault: ReportedError = { stage: "sending", kind: "io_failed", retriable: false, message, file: w.name };
      if (box.stopAt.lost) return { ...round, failure: { waiting: w, error: message, fault } };
      continue;
    }
    try {
      await box.materialize?.(w);
      const d = await deliverFile(destination, box.destination, w.path, w.name);
      faultPoint(box.afterPublish);
      await box.delivered(w, { name: d.name, location: d.location, at: ctx.now });
      await box.afterDelivered(w);
      ctx.log.info(
        { ...where, location: d.location, alreadyThere: d.alreadyThere || undefined },
        d.alreadyThere
          ? `${box.what} was already delivered (an earlier attempt's answer was lost)`
          : box.said.delivered,
      );
      round.delivered.push({ waiting: w, name: d.name, location: d.location });
    } catch (e) {
      const fault = faultOrThrow(e, "sending", w.name);
      await box.failed(w, fault.message);
      ctx.log.error({ ...where, err: fault.message }, box.said.failed);
      if (box.stopAt.failure) return { ...round, failure: { waiting: w, error: fault.message, fault } };
    }
  }
  return round;
}

/** Removes the files of an outbox folder no record points at (a run killed between writing and recording). */
export async function clearStrays(dir: string, files: readonly Waiting[]): Promise<void> {
  const known = new Set(files.map((w) => w.path));
  for (const f of await readdir(dir).catch(() => [] as string[]))
    if (!known.has(join(dir, f))) await rm(join(dir, f), { force: true });
}
