import { findCart, loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { openStore, type ProductSyncRow } from "../state/store.js";
import { streamTable } from "../util/table.js";
import { when, type Io } from "./output.js";
import { limited, limitOf, map, streamJson, type PagingArgs } from "./paging.js";

export interface ViewSyncArgs extends PagingArgs {
  config: string;
  cart: string;
  merchant?: string;
  json?: boolean;
  problems?: boolean;
  staleAfter?: string;
  now?: string;
}

const cells = (r: ProductSyncRow) => [
  r.sku,
  r.inventoryEnabled === null ? "-" : r.inventoryEnabled ? "yes" : "NO",
  r.lastCartSyncAt === "NEVER" ? "NEVER" : when(r.lastCartSyncAt),
  r.lastQuantity,
  r.reason,
];

/** `stockfeed view-sync`: streamed in code order, `--limit`/`--after` pages, `--search` filters. */
export async function viewSyncCommand(args: ViewSyncArgs, io: Io): Promise<number> {
  const config = loadConfig(args.config);
  const cart = findCart(config, args.cart, args.merchant);
  const hours = args.staleAfter === undefined ? 48 : Number(args.staleAfter);
  if (!Number.isFinite(hours) || hours <= 0)
    throw new UsageError(`--stale-after takes a number of hours, not ${JSON.stringify(args.staleAfter)}`);
  const limit = limitOf(args);
  const store = await openStore(config.state);
  try {
    const now = args.now ? Date.parse(args.now) : Date.now();
    const all = store.queries.productSync(cart, {
      now,
      staleAfterMs: hours * 3_600_000,
      after: args.after,
      search: args.search,
    });
    let seen = 0;
    let lastShown: string | undefined;
    const more: { next?: ProductSyncRow } = {};
    const keep = (r: ProductSyncRow) => (seen++, !args.problems || r.problem);
    const rows = map(limited(all, limit, keep, more), (r) => ((lastShown = r.sku), r));
    if (args.json) {
      await streamJson(io, { merchant: cart.merchant, cart: args.cart }, rows, () =>
        more.next ? { nextAfter: lastShown } : {},
      );
      return 0;
    }
    const printed = await streamTable(
      ["sku", "inventory enabled", "last cart sync", "last sent", "why"],
      map(rows, cells),
      io.out,
      io.closed,
    );
    if (printed === 0) {
      io.out(
        args.problems
          ? `View Product Sync for ${args.cart}: no problems among ${seen} SKU(s)`
          : `View Product Sync for ${args.cart}: empty (the cart sent no catalog and no file has gone to it yet)`,
      );
    }
    if (more.next) io.out(`... more: the next page is --after ${JSON.stringify(lastShown)}`);
    return 0;
  } finally {
    await store.close();
  }
}
