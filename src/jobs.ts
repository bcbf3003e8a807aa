/**
 * The jobs a config defines, as the daemon and the workers run them: each feed's poll (every
 * `seconds`) and each cart's sync (on its cron schedule). A job is data (it travels through a
 * queue) and names its merchant: a worker runs it on that merchant alone.
 */
import type { LoadedConfig } from "./config/load.js";
import { feedsInOrder, type RunOptions } from "./pipeline.js";

export type JobSpec =
  | { kind: "collect"; key: string; merchant: string; sourceKey: string }
  | { kind: "sync"; key: string; merchant: string; cart: string };

export type PlannedJob = { job: JobSpec; seconds: number } | { job: JobSpec; schedule: string; timeZone: string };

/**
 * How often a feed is polled: its own pollSeconds, else 30 s for `automatic` merchants (the warehouse pushes), else 5
 * min.
 */
export function pollSecondsOf(config: LoadedConfig): Map<string, { seconds: number; merchant: string }> {
  const automatic = new Set(
    config.merchants.filter((m) => m.config.inventorySync === "automatic").map((m) => m.config.id),
  );
  // the same feeds a run collects (rule 11 included: with inventory sync off, no warehouse feed)
  return new Map(
    feedsInOrder(config).map(({ feed, owner }) => [
      feed.sourceKey,
      { seconds: feed.config.pollSeconds ?? (automatic.has(owner.merchant) ? 30 : 300), merchant: owner.merchant },
    ]),
  );
}

export function plannedJobs(config: LoadedConfig): PlannedJob[] {
  const polls: PlannedJob[] = [...pollSecondsOf(config)].map(([sourceKey, { seconds, merchant }]) => ({
    job: { kind: "collect", key: `collect ${sourceKey}`, merchant, sourceKey },
    seconds,
  }));
  const syncs: PlannedJob[] = config.merchants.flatMap((m) =>
    m.carts.map((cart) => ({
      job: {
        kind: "sync" as const,
        key: `sync ${m.config.id}/${cart.config.id}`,
        merchant: m.config.id,
        cart: cart.config.id,
      },
      schedule: cart.config.schedule,
      timeZone: cart.config.timeZone,
    })),
  );
  return [...polls, ...syncs];
}

/** What a run does for the job: collect one feed, or sync one cart. */
export function runOptionsOf(job: JobSpec): RunOptions {
  return job.kind === "collect"
    ? { feeds: (f) => f.sourceKey === job.sourceKey, sync: false }
    : { feeds: () => false, carts: [job.cart] };
}

/** The config narrowed to one merchant: a job's run cannot touch another merchant's feeds or carts. */
export function merchantConfig(config: LoadedConfig, merchant: string): LoadedConfig {
  const merchants = config.merchants.filter((m) => m.config.id === merchant);
  if (merchants.length === 0) throw new Error(`no merchant ${merchant} in ${config.file}`);
  return { ...config, merchants };
}
