import { loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { openStore, type RunRow } from "../state/store.js";
import { printJson, table, when, type Io } from "./output.js";

interface RunSummary {
  files?: Array<{ name: string; source: string; status: string; rows: number; rejected: number }>;
  carts?: Array<{
    merchant?: string;
    cart: string;
    action: string;
    reason: string;
    file?: string;
    rows: number;
    delivered?: Delivered[];
    error?: string;
  }>;
  errors?: string[];
  stopped?: boolean;
}

/** a file delivered from the outbox (a name alone in runs recorded before delivery times were kept) */
type Delivered = string | { file: string; madeAt: string; deliveredAt: string };

const deliveredText = (cart: string, d: Delivered) =>
  typeof d === "string"
    ? `${cart} delivered ${d} from the outbox`
    : `${cart} delivered ${d.file} from the outbox at ${d.deliveredAt}`;

/** `--since` as an ISO time or a span back from now: 30m, 12h, 7d. */
export function parseSince(text: string | undefined, now = Date.now()): number {
  if (!text) return 0;
  const span = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (span) return now - Number(span[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as "m" | "h" | "d"];
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new UsageError(
      `--since ${JSON.stringify(text)}: give an ISO time (2026-11-23T08:00:00Z) or a span back from now (30m, 12h, 7d)`,
    );
  return t;
}

interface HistoryArgs {
  config: string;
  since?: string;
  json?: boolean;
  limit?: string;
  all?: boolean;
}

/**
 * `stockfeed history`: past runs (the CLI's and the daemon's jobs) with what each did. Runs that
 * did nothing (a poll that found no file) are hidden unless --all; a list cut by --limit says so.
 */
export async function historyCommand(args: HistoryArgs, io: Io): Promise<number> {
  const config = loadConfig(args.config);
  const limit = Number(args.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${args.limit}: give a whole number from 1`);
  const store = await openStore(config.state);
  try {
    const list = await store.queries.runs({ since: parseSince(args.since), limit, hideEmpty: !args.all });
    const runs = list.rows.map(describeRun);
    const cut = list.matching > runs.length;
    if (args.json) {
      printJson(io, { runs, matching: list.matching, cut, emptyHidden: list.emptyHidden });
      return 0;
    }
    if (runs.length === 0) io.out(`No runs${args.since ? ` since ${args.since}` : ""}.`);
    else printRuns(io, runs);
    const since = args.since ? ` since ${args.since}` : "";
    if (cut)
      io.out(
        `Showing the newest ${runs.length} of ${list.matching} runs${since}: --limit ${list.matching} shows them all.`,
      );
    if (list.emptyHidden > 0)
      io.out(`${list.emptyHidden} run(s) that did nothing${since} hidden (no file, cart or error): --all shows them.`);
    return 0;
  } finally {
    await store.close();
  }
}

type RunView = ReturnType<typeof describeRun>;

function describeRun(r: RunRow) {
  const s = (r.summary ? JSON.parse(r.summary) : {}) as RunSummary;
  return {
    run: r.id,
    startedAt: when(r.started_at),
    finishedAt: r.finished_at === null ? null : when(r.finished_at),
    // a run still 'running' with no finish was cut short (a crash, a kill): its work is finished by the next run
    status: r.finished_at === null ? "interrupted or running" : r.status,
    files: s.files ?? [],
    carts: s.carts ?? [],
    errors: s.errors ?? [],
    stopped: !!s.stopped,
  };
}

function printRuns(io: Io, runs: RunView[]): void {
  io.out(
    table(
      ["run", "started", "seconds", "status", "files", "rejected", "carts sent", "carts failed", "what"],
      runs.map((r) => {
        const seconds = r.finishedAt ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : "";
        const sent = r.carts.filter((c) => c.action === "sent");
        const failed = r.carts.filter((c) => c.action === "failed");
        const what = [
          ...r.files.map((f) => `${f.name} ${f.status}`),
          ...r.carts.flatMap((c) => (c.delivered ?? []).map((d) => deliveredText(c.cart, d))),
          ...r.carts
            .filter((c) => c.action !== "skipped")
            .map((c) => `${c.cart} ${c.action}${c.file ? ` ${c.file}` : ""}`),
          ...(r.stopped ? ["stopped early (signal)"] : []),
        ];
        return [
          r.run,
          r.startedAt,
          seconds,
          r.status,
          r.files.length,
          r.files.reduce((a, f) => a + f.rejected, 0),
          sent.length,
          failed.length,
          what.slice(0, 4).join("; ") + (what.length > 4 ? `; +${what.length - 4}` : ""),
        ];
      }),
    ),
  );
  for (const r of runs) for (const e of r.errors) io.out(`run ${r.run}: ${e}`);
}
