import { Cron } from "croner";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { heartbeatAlive, readHeartbeat } from "../daemon.js";
import { openStore, type ProductFileWaiting } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

/** Whether a daemon owns this state and is alive, from its heartbeat file. */
function daemonStatus(config: LoadedConfig) {
  if (config.state.kind === "postgres")
    return { alive: false as const, text: "no daemon on a PostgreSQL state (runs come from `stockfeed run`)" };
  const h = readHeartbeat(config.statePath);
  if (!h) return { alive: false as const, text: "no daemon running (no heartbeat)" };
  const alive = heartbeatAlive(h);
  const text = alive
    ? `daemon alive: pid ${h.pid} on ${h.host} since ${when(h.since)}, last heartbeat ${when(h.at)}${h.running ? `, running ${h.running}` : ", idle"}${h.queued.length ? `, waiting: ${h.queued.join(", ")}` : ""}`
    : `daemon NOT alive: its last heartbeat was ${when(h.at)} (pid ${h.pid} on ${h.host}); it stopped or hangs`;
  return { alive, text, heartbeat: h };
}

/** When each cart's schedule fires next (the daemon runs it then), in UTC. */
function nextSync(schedule: string, timeZone: string, now: number): string {
  return (
    new Cron(schedule, { paused: true, timezone: timeZone })
      .nextRun(new Date(now))
      ?.toISOString()
      .replace(/\.\d{3}Z$/, "Z") ?? ""
  );
}

export async function statusCommand(args: { config: string; json?: boolean; now?: string }, io: Io): Promise<number> {
  const now = args.now ? Date.parse(args.now) : Date.now();
  const config = loadConfig(args.config);
  const store = await openStore(config.state);
  try {
    const warehouses = await store.queries.warehouseStatus(config);
    const schedules = new Map(
      config.merchants.flatMap((m) =>
        m.carts.map((k) => [
          `${m.config.id}/${k.config.id}`,
          { schedule: k.config.schedule, timeZone: k.config.timeZone },
        ]),
      ),
    );
    const carts = (await store.queries.cartStatus(config)).map((c) => {
      const s = schedules.get(`${c.merchant}/${c.cart}`)!;
      return { ...c, schedule: s.schedule, timeZone: s.timeZone, nextSync: nextSync(s.schedule, s.timeZone, now) };
    });
    const daemon = daemonStatus(config);
    const productFiles = await store.queries.productFilesWaiting(config);
    if (args.json) {
      printJson(io, { daemon, warehouses, carts, productFiles });
      return 0;
    }
    io.out(daemon.text + "\n");
    io.out("Last inventory run");
    io.out(
      table(
        ["merchant", "inventory sync", "warehouse", "last run", "file", "status", "lines", "rejected", "stale"],
        warehouses.map((w) =>
          w.lastRun === "N/A"
            ? [w.merchant, w.inventorySync, w.warehouse, "N/A"]
            : [
                w.merchant,
                w.inventorySync,
                w.warehouse,
                when(w.lastRun.at),
                w.lastRun.file,
                w.lastRun.status + (w.lastRun.error ? `: ${w.lastRun.error}` : ""),
                w.lastRun.rows,
                w.lastRun.rejected,
                w.lastRun.stale,
              ],
        ),
      ),
    );
    io.out("\nCarts");
    io.out(
      table(
        ["merchant", "cart", "upload", "next sync", "last sync", "file", "lines", "units", "last attempt"],
        carts.map((c) => [
          c.merchant,
          c.cart,
          c.inventoryUpload ? "on" : "off",
          `${c.nextSync} (${c.schedule}${c.timeZone === "UTC" ? "" : ` ${c.timeZone}`})`,
          c.lastSync === "NEVER"
            ? "NEVER"
            : when(c.lastSync.deliveredAt) +
              (c.lastSync.deliveredAt !== c.lastSync.at ? ` (made ${when(c.lastSync.at)})` : ""),
          c.lastSync === "NEVER" ? "" : c.lastSync.file,
          c.lastSync === "NEVER" ? "" : c.lastSync.rows,
          c.lastSync === "NEVER" ? "" : c.lastSync.units,
          (c.lastAttempt
            ? `${c.lastAttempt.status} ${when(c.lastAttempt.at)}${c.lastAttempt.error ? `: ${c.lastAttempt.error}` : ""}`
            : "") +
            (c.waitingInOutbox ? ` (${c.waitingInOutbox} file(s) waiting in the outbox, retried next run)` : ""),
        ]),
      ),
    );
    printProductFiles(io, productFiles);
    return 0;
  } finally {
    await store.close();
  }
}

/** Product files for a WMS that wait in the outbox: shown only when there are some. */
function printProductFiles(io: Io, files: ProductFileWaiting[]): void {
  if (files.length === 0) return;
  io.out("\nProduct files waiting in the outbox (delivered first on the next run)");
  io.out(
    table(
      ["merchant", "warehouse", "cart", "file", "products", "made", "attempts", "last error"],
      files.map((f) => [
        f.merchant,
        f.warehouse,
        f.cart,
        f.file,
        f.products,
        when(f.madeAt),
        f.attempts,
        f.error ?? "",
      ]),
    ),
  );
}
