/**
 * A feed's acknowledgments (X12: 997 and TA1, through the format's `acknowledge`): built with
 * the load that reads their interchanges, delivered from the ack outbox on every run until sent.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Feed } from "../config/load.js";
import type { Interchange } from "../formats/types.js";
import { faultPoint } from "../util/fault.js";
import { fileStamp } from "../util/time.js";
import type { StageContext } from "./context.js";
import { clearStrays, deliverOutbox, type Outbox } from "./outbox.js";

/**
 * Builds the acknowledgment of every interchange of a loaded file inside the load's
 * transaction: its control numbers are taken with the load, or not at all. An interchange
 * that calls for none (a 997 or TA1 coming back) gets none.
 */
export async function queueAcks(
  ctx: StageContext,
  feed: Feed,
  fileId: number,
  interchanges: Interchange[],
): Promise<void> {
  const settings = feed.config.ack!;
  const { format, readerOptions } = feed.mapping;
  const reserve = (partner: string, groups: number, sets: number) =>
    ctx.store.edi.reserveControlNumbers(partner, sets, groups);
  for (const i of interchanges) {
    const ack = await format.acknowledge!(i, readerOptions, settings, reserve, ctx.now);
    if (!ack) continue;
    const safe = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, "_");
    const values: Record<string, string> = {
      merchant: feed.sourceKey.split("/")[0],
      source: feed.sourceKey.replace(/\//g, "-"),
      sender: safe(ack.sender),
      receiver: safe(ack.receiver),
      control: ack.control,
      timestamp: fileStamp(ctx.now),
    };
    const name = settings.filename.replace(
      /\{(merchant|source|sender|receiver|control|timestamp)\}/g,
      (_, k: string) => values[k],
    );
    await ctx.store.edi.addAck({ fileId, source: feed.sourceKey, name, content: ack.content, createdAt: ctx.now });
  }
}

/** Sends the feed's acknowledgments not sent yet (this run's, and any an earlier run could not deliver). */
export async function deliverAcks(
  ctx: StageContext,
  feed: Feed,
  ack: NonNullable<Feed["config"]["ack"]>,
): Promise<void> {
  const pending = await ctx.store.edi.pendingAcks(feed.sourceKey);
  if (pending.length === 0) return;
  const outbox = ctx.workDir.ackOutbox(feed.sourceKey);
  await mkdir(outbox, { recursive: true });
  const content = new Map(pending.map((a) => [a.id, a.content]));
  const files = pending.map((a) => ({ id: a.id, name: a.name, path: join(outbox, a.name) }));
  await clearStrays(outbox, files);
  await deliverOutbox(ctx, ackOutbox(ctx, feed, ack, content), files);
}

/**
 * A feed's acknowledgments: their bytes are in the state and written to the outbox as each is
 * sent; one that fails does not hold back the others (each answers its own interchange).
 */
function ackOutbox(
  ctx: StageContext,
  feed: Feed,
  ack: NonNullable<Feed["config"]["ack"]>,
  content: Map<number, string>,
): Outbox {
  const edi = ctx.store.edi;
  return {
    what: "acknowledgment",
    where: { source: feed.sourceKey },
    destination: ack.destination,
    afterPublish: "ack:after-publish",
    materialize: async (w) => {
      await writeFile(w.path, content.get(w.id)!, "latin1");
      faultPoint("ack:before-deliver");
    },
    delivered: (w, d) => edi.ackDelivered(w.id, d.at, d.location),
    failed: (w, message) => edi.ackFailed(w.id, message),
    afterDelivered: (w) => rm(w.path, { force: true }),
    stopAt: { lost: false, failure: false },
    said: {
      delivered: "acknowledgment delivered",
      failed: "acknowledgment not delivered; retried next run",
    },
  };
}
