import { posix } from "node:path";
import type { Feed, LoadedCart, LoadedConfig } from "../config/load.js";
import type { Store } from "../state/store.js";
import { isTransientName, unsafePathReason } from "../transports/incoming.js";
import { localTransport } from "../transports/local.js";
import { silentLogger } from "../log.js";
import { Connections } from "../transports/connections.js";
import { globToRegExp } from "../util/glob.js";

export interface Waiting {
  /** files in local feeds the cart's next file depends on, not taken yet */
  files: Array<{ source: string; name: string }>;
  /** feeds on a server: not listed (diff reads only) */
  remote: string[];
}

/**
 * The feeds whose files change what a cart is sent: its warehouses, every cart's orders (rule 5), its catalog, the
 * aliases.
 */
function feedsOf(config: LoadedConfig, cart: LoadedCart): Feed[] {
  const m = config.merchants.find((x) => x.config.id === cart.merchant)!;
  const inventory =
    m.config.inventorySync === "off"
      ? []
      : m.warehouses.filter((w) => cart.warehouseIds.includes(w.config.id)).map((w) => w.inventory);
  const orders = m.carts.flatMap((k) => (k.orders ? [k.orders] : []));
  return [...(m.aliases ? [m.aliases] : []), ...(cart.catalog ? [cart.catalog] : []), ...inventory, ...orders];
}

/**
 * What is waiting to be taken in a cart's local feeds: a listing of each local folder (no
 * file moved, no listing remembered), the names the next run would consider, less those the
 * ledger already has. Server feeds are named, not listed.
 */
export async function waitingFor(store: Store, config: LoadedConfig, cart: LoadedCart): Promise<Waiting> {
  const out: Waiting = { files: [], remote: [] };
  for (const feed of feedsOf(config, cart)) {
    const c = feed.config.source;
    if (c.transport !== "local") {
      out.remote.push(feed.sourceKey);
      continue;
    }
    const pattern = globToRegExp(c.match);
    const archive = c.archiveDir.startsWith("/") ? undefined : `${posix.normalize(c.archiveDir)}/`;
    const listed = await localTransport.createSource(c, { connections: new Connections(), log: silentLogger }).list();
    for (const f of listed) {
      if (f.notRegular || unsafePathReason(f.path) || (archive && f.path.startsWith(archive))) continue;
      if (f.path.split("/").some(isTransientName) || !pattern.test(posix.basename(f.path))) continue;
      if (await store.ledger.findTaken(feed.sourceKey, f.path, f.size, f.mtime)) continue;
      out.files.push({ source: feed.sourceKey, name: f.path });
    }
  }
  return out;
}
