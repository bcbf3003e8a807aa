import { join } from "node:path";
import { isoUtc } from "./util/time.js";

/**
 * Where stockfeed keeps files under `workDir`, in one place (README "Files"):
 * - `spool/<source>/`: files taken from a feed, until loaded and archived (a killed run's are finished)
 * - `archive/<yyyy>/<mm>/<dd>/<source>/`: every file taken, with `<name>.rejects.csv` beside it
 * - `quarantine/<source>/`: files that could not be read at all, with `<name>.error.txt`
 * - `outbox/<merchant>/<cart>/`: cart files rendered, until delivered
 * - `outbox/products/<merchant>/<warehouse>/`: product files for a WMS, until delivered
 * - `outbox/acks/<source>/`: acknowledgments (997/TA1), written from the state while delivered
 * - `kept/<merchant>/<cart>/`: the last delivered file of a send-all cart, sent again restamped
 * A source is `<merchant>/<kind>/<id>` (feeds' sourceKey). `products` and `acks` under outbox/
 * are therefore reserved: no merchant may be called so (config/schema.ts refuses it).
 */
export class WorkDir {
  constructor(readonly root: string) {}

  spool(source: string): string {
    return join(this.root, "spool", source);
  }

  /** the day's archive folder of a source, by the run's clock (UTC) */
  archive(source: string, now: number): string {
    return join(this.root, "archive", isoUtc(now).slice(0, 10).replace(/-/g, "/"), source);
  }

  quarantine(source: string): string {
    return join(this.root, "quarantine", source);
  }

  cartOutbox(merchant: string, cart: string): string {
    return join(this.root, "outbox", merchant, cart);
  }

  productOutbox(merchant: string, warehouse: string): string {
    return join(this.root, "outbox", "products", merchant, warehouse);
  }

  ackOutbox(source: string): string {
    return join(this.root, "outbox", "acks", source);
  }

  kept(merchant: string, cart: string): string {
    return join(this.root, "kept", merchant, cart);
  }
}

/** Merchant ids the work-dir layout keeps for itself (outbox/products/, outbox/acks/). */
export const RESERVED_MERCHANT_IDS: readonly string[] = ["products", "acks"];
