import { loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { openStore } from "../state/store.js";
import { streamTable } from "../util/table.js";
import { when, type Io } from "./output.js";
import { limited, limitOf, map, streamJson, type PagingArgs } from "./paging.js";

export interface LocationsArgs extends PagingArgs {
  config: string;
  warehouse?: string;
  merchant?: string;
  json?: boolean;
}

/** `stockfeed locations`: one warehouse's SKUs, or the summary over all, streamed and paged by SKU. */
export async function locationsCommand(args: LocationsArgs, io: Io): Promise<number> {
  const config = loadConfig(args.config);
  const limit = limitOf(args);
  if (args.merchant && !config.merchants.some((m) => m.config.id === args.merchant)) {
    throw new UsageError(`no merchant ${JSON.stringify(args.merchant)} in ${config.file}`);
  }
  const withIt = config.merchants.filter(
    (m) => !args.warehouse || m.warehouses.some((w) => w.config.id === args.warehouse),
  );
  if (withIt.length === 0) throw new UsageError(`no warehouse ${JSON.stringify(args.warehouse)} in ${config.file}`);
  const merchants = args.merchant ? [args.merchant] : withIt.map((m) => m.config.id);
  if (args.after !== undefined && merchants.length > 1)
    throw new UsageError("--after pages one merchant's SKUs: add --merchant");
  const store = await openStore(config.state);
  try {
    const page = { after: args.after, search: args.search };
    const more: { next?: unknown } = {};
    let last: string | undefined;
    const take = <T extends { sku: string }>(rows: AsyncIterable<T>) =>
      map(
        limited(rows, limit, () => true, more),
        (r) => ((last = r.sku), r),
      );
    if (args.warehouse) {
      const rows = take(store.queries.locationRows(args.warehouse, merchants, page));
      if (args.json)
        await streamJson(io, { warehouse: args.warehouse }, rows, () => (more.next ? { nextAfter: last } : {}));
      else {
        const headers = ["merchant", "sku", "available", "on hand", "as of", "last loaded", "file"];
        const n = await streamTable(
          headers,
          map(rows, (r) => [r.merchant, r.sku, r.available, r.onHand, when(r.asOf), when(r.loadedAt), r.file]),
          io.out,
          io.closed,
        );
        if (n === 0)
          io.out(
            `no SKU loaded for warehouse ${args.warehouse}${args.search ? ` containing ${JSON.stringify(args.search)}` : ""}`,
          );
      }
    } else {
      const rows = take(store.queries.productSummary(merchants, page));
      if (args.json) await streamJson(io, {}, rows, () => (more.next ? { nextAfter: last } : {}), "summary");
      else {
        const n = await streamTable(
          ["merchant", "sku", "available", "on hand", "warehouses"],
          map(rows, (r) => [r.merchant, r.sku, r.available, r.onHand, r.warehouses]),
          io.out,
          io.closed,
        );
        if (n === 0) io.out("no SKU loaded in any warehouse");
      }
    }
    if (more.next && !args.json) io.out(`... more: the next page is --after ${JSON.stringify(last)}`);
    return 0;
  } finally {
    await store.close();
  }
}
