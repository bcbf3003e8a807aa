import { findCart, loadConfig } from "../config/load.js";
import { cartSyncDecision, computeCartLines } from "../stages/sync.js";
import { waitingFor } from "../stages/waiting.js";
import { openStore } from "../state/store.js";
import { printJson, table, type Io } from "./output.js";

/** What the next file for a cart will change against the last file delivered, without sending. */
export async function diffCommand(
  args: { config: string; cart: string; merchant?: string; json?: boolean },
  io: Io,
): Promise<number> {
  const config = loadConfig(args.config);
  const cart = findCart(config, args.cart, args.merchant);
  const store = await openStore(config.state);
  try {
    const { decision, text } = await cartSyncDecision(store, cart);
    const lines = await computeCartLines(store, cart);
    let diff: Awaited<ReturnType<typeof lines.diffAgainstLastDelivery>>;
    try {
      diff = await lines.diffAgainstLastDelivery();
    } finally {
      await lines.close();
    }
    const next = { wouldSend: decision.sync, reason: decision.reason, reasonText: text };
    const waiting = await waitingFor(store, config, cart);
    if (args.json) {
      printJson(io, { merchant: cart.merchant, cart: cart.config.id, next, waiting, ...diff });
      return 0;
    }
    io.out(`Next run for ${cart.config.id}: ${decision.sync ? "a file would be sent" : "no file"} (${text})`);
    if (waiting.files.length) {
      const names = waiting.files.slice(0, 5).map((f) => `${f.source}: ${f.name}`);
      io.out(
        `${waiting.files.length} file(s) not yet taken: the next run may differ (${names.join(", ")}${waiting.files.length > 5 ? ", ..." : ""})`,
      );
    }
    if (waiting.remote.length) io.out(`not listed (on a server): ${waiting.remote.join(", ")}`);
    io.out(
      `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged against the last file delivered`,
    );
    const rows = [
      ...diff.added.map((r) => [r.code, "added", "", r.after]),
      ...diff.removed.map((r) => [r.code, "removed", r.before, ""]),
      ...diff.changed.map((r) => [r.code, "changed", r.before, r.after]),
    ];
    if (rows.length)
      io.out(
        table(
          ["code", "change", "last sent", "next"],
          rows.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
        ),
      );
    return 0;
  } finally {
    await store.close();
  }
}
