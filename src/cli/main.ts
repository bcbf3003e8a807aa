#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { ConfigError, StockfeedError, UsageError } from "../errors.js";
import { createLogger } from "../log.js";
import { stateFault } from "../state/errors.js";
import { processIo, type Io } from "./output.js";
import { checkCommand } from "./check.js";
import { configJsonSchema, configReference } from "../config/json-schema.js";
import { diffCommand } from "./diff.js";
import { explainCommand } from "./explain.js";
import { locationsCommand } from "./locations.js";
import { mappingCheckCommand } from "./mapping.js";
import { daemonCommand } from "./daemon.js";
import { historyCommand } from "./history.js";
import { productImportCommand, runCommand } from "./run.js";
import { skuCommand } from "./sku.js";
import { migrateStateCommand } from "./migrate-state.js";
import { workerCommand } from "./worker.js";
import { statusCommand } from "./status.js";
import { viewSyncCommand } from "./view-sync.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Exit codes: 0 all well, 1 something rejected or failed (the rest done), 2 bad config or usage, 3 a bug. */
export const EXIT = { ok: 0, problems: 1, config: 2, internal: 3 } as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Runs the CLI with these arguments (without node and script); returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = new Command()
    .name("stockfeed")
    .description("Tells shopping carts and EDI partners how much stock they may sell, with files.")
    .version(VERSION, "--version", "print stockfeed's version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .option("--verbose", "log what each stage does (JSON on stderr)")
    .option("--log-level <level>", "pino log level: fatal, error, warn, info, debug, trace, silent")
    .option("--log-file <path>", "write the JSON log to this file instead of stderr");
  const logger = (defaultLevel = "warn") => {
    const o = program.opts<{ verbose?: boolean; logLevel?: string; logFile?: string }>();
    return createLogger(o.logLevel ?? (o.verbose ? "info" : defaultLevel), o.logFile);
  };
  const c: Cli = { io, logger, code: EXIT.ok };
  addWorkCommands(program, c);
  addRunViews(program, c);
  addCartViews(program, c);
  addStockViews(program, c);
  addToolCommands(program, c);
  addStateCommands(program, c);

  try {
    await program.parseAsync(argv, { from: "user" });
    return c.code;
  } catch (e) {
    return exitCodeOf(e, io);
  }
}

/** What a command that threw exits with, said on stderr: 2 config or usage, 1 a known fault, 3 a bug. */
function exitCodeOf(e: unknown, io: Io): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.config;
  if (e instanceof ConfigError) {
    io.err(`stockfeed: bad configuration, nothing was moved:`);
    for (const p of e.problems) io.err(`  ${p}`);
    return EXIT.config;
  }
  if (e instanceof UsageError) {
    io.err(`stockfeed: ${e.message}`);
    return EXIT.config;
  }
  const known = e instanceof StockfeedError ? e : stateFault(e);
  if (known) {
    io.err(`stockfeed: ${known.message}${known.retriable ? " (may succeed if tried again)" : ""}`);
    return EXIT.problems;
  }
  io.err(`stockfeed: internal error (a bug; please report it with this trace):\n${(e as Error).stack ?? e}`);
  return EXIT.internal;
}

/** What the commands share: where they print, the logger the global options make, and the exit code they set. */
interface Cli {
  io: Io;
  logger: (defaultLevel?: string) => ReturnType<typeof createLogger>;
  code: number;
}

/** The commands that move files: check the config, one run, a product import, the daemon. */
function addWorkCommands(program: Command, c: Cli): void {
  const { io, logger } = c;
  program
    .command("check")
    .description("validate the config and every mapping it names, every problem at once; writes nothing (exit 0, or 2)")
    .requiredOption("--config <file>", "the configuration file")
    .option("--json", "print one JSON document")
    .action((o) => {
      c.code = checkCommand(o, io);
    });
  program
    .command("run")
    .description("one pass: collect new files, load them, sync every cart that needs it, write outputs")
    .requiredOption("--config <file>", "the configuration file")
    .option("--cart <id>", "sync only this cart (repeatable)", collect)
    .option("--dry-run", "compute and print what would be sent; write, move and record nothing")
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "pretend the time is this (tests, replays)").hideHelp())
    .action(async (o) => {
      c.code = await runCommand(o, io, logger());
    });
  program
    .command("product-import")
    .description(
      "one-time product import: take the cart's catalog files, then write its whole catalog as a product file to its WMS (productSync.inventoryLocation)",
    )
    .requiredOption("--config <file>", "the configuration file")
    .requiredOption("--cart <id>", "the cart whose catalog is imported")
    .option("--merchant <id>", "the cart's merchant, when several have a cart of that id")
    .option("--dry-run", "read the catalog and print what would be sent; write, move and record nothing")
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "pretend the time is this (tests, replays)").hideHelp())
    .action(async (o) => {
      c.code = await productImportCommand(o, io, logger());
    });
  program
    .command("daemon")
    .description(
      "run for good: every feed polled on its interval, every cart synced on its schedule; SIGTERM stops, SIGHUP reloads",
    )
    .requiredOption("--config <file>", "the configuration file")
    .option("--heartbeat-seconds <n>", "how often the daemon says it is alive (status reads it)", "10")
    .option("--stop-timeout-seconds <n>", "after SIGTERM, how long the work in hand may take", "60")
    .action(async (o) => {
      c.code = await daemonCommand(o, io, logger("info"));
    });
}

/** What ran and what runs now: history, status. */
function addRunViews(program: Command, c: Cli): void {
  const { io } = c;
  program
    .command("history")
    .description("past runs (and daemon jobs) with what each did")
    .requiredOption("--config <file>", "the configuration file")
    .option("--since <when>", "an ISO time or a span back from now: 30m, 12h, 7d")
    .option("--limit <n>", "at most this many runs, newest kept (the output says when it cut the list)", "50")
    .option("--all", "include runs that did nothing (polls that found no file)")
    .option("--json", "print one JSON document")
    .action(async (o) => {
      c.code = await historyCommand(o, io);
    });
  program
    .command("status")
    .description("last inventory run per merchant and warehouse; last sync per cart")
    .requiredOption("--config <file>", "the configuration file")
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "pretend the time is this (next syncs from then)").hideHelp())
    .action(async (o) => {
      c.code = await statusCommand(o, io);
    });
}

/** One cart's view: View Product Sync, the next file's diff, a SKU's explanation. */
function addCartViews(program: Command, c: Cli): void {
  const { io } = c;
  program
    .command("view-sync")
    .description("View Product Sync: the cart's SKUs, inventory enabled, last cart sync or NEVER and why")
    .requiredOption("--config <file>", "the configuration file")
    .requiredOption("--cart <id>", "the cart")
    .option("--merchant <id>", "the merchant, when several have a cart of that id")
    .option(
      "--problems",
      "only rows that need action: NEVER, inventory disabled, duplicate alias, stale warehouse data",
    )
    .option("--stale-after <hours>", "warehouse data older than this is a problem (default 48)")
    .option("--limit <n>", "at most this many rows (then says which --after gives the next page)")
    .option("--after <code>", "start after this code (keyset paging, in code order)")
    .option("--search <text>", "only codes containing this text")
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "pretend the time is this (tests)").hideHelp())
    .action(async (o) => {
      c.code = await viewSyncCommand(o, io);
    });
  program
    .command("diff")
    .description("what the next file for a cart will change against the last file delivered, without sending")
    .requiredOption("--config <file>", "the configuration file")
    .requiredOption("--cart <id>", "the cart")
    .option("--merchant <id>", "the merchant, when several have a cart of that id")
    .option("--json", "print one JSON document")
    .action(async (o) => {
      c.code = await diffCommand(o, io);
    });
  program
    .command("explain")
    .description("why a cart shows what it shows for one code: the whole chain and a one-line verdict")
    .requiredOption("--config <file>", "the configuration file")
    .requiredOption("--cart <id>", "the cart")
    .requiredOption("--sku <code>", "the code the cart knows (its SKU, or the alias code it is pushed by)")
    .option("--merchant <id>", "the merchant, when several have a cart of that id")
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "pretend the time is this (tests)").hideHelp())
    .action(async (o) => {
      c.code = await explainCommand(o, io);
    });
}

/** The merchant's stock: per warehouse and summed, and where a code appears. */
function addStockViews(program: Command, c: Cli): void {
  const { io } = c;
  program
    .command("locations")
    .description("Locations & Products: levels per warehouse SKU, or the summary over all warehouses")
    .requiredOption("--config <file>", "the configuration file")
    .option("--warehouse <id>", "one warehouse's SKUs with when each was last loaded")
    .option("--merchant <id>", "only this merchant")
    .option("--limit <n>", "at most this many rows (then says which --after gives the next page)")
    .option("--after <sku>", "start after this SKU (keyset paging, in SKU order)")
    .option("--search <text>", "only SKUs containing this text")
    .option("--json", "print one JSON document")
    .action(async (o) => {
      c.code = await locationsCommand(o, io);
    });
  program
    .command("sku")
    .description("where a SKU or alias code appears; an alias code on several products is flagged")
    .argument("<code>", "the SKU or alias code")
    .requiredOption("--config <file>", "the configuration file")
    .option("--json", "print one JSON document")
    .action(async (codeArg: string, o) => {
      c.code = await skuCommand({ ...o, code: codeArg }, io);
    });
}

/** A PostgreSQL state: moving a deployment there, and the workers that run it. */
function addStateCommands(program: Command, c: Cli): void {
  program
    .command("worker")
    .description("take feed polls and cart syncs from the PostgreSQL state's job queue (run any number of them)")
    .requiredOption("--config <file>", "the configuration file (its state on PostgreSQL)")
    .option("--concurrency <n>", "jobs run at once by this process (of different merchants)", "1")
    .option("--expire-seconds <s>", "an active job older than this is taken as a dead worker's and run again", "900")
    .addOption(new Option("--retry-seconds <s>", "how soon a handed-back job is tried again").hideHelp())
    .action(async (o) => {
      c.code = await workerCommand(o, c.io, c.logger("info"));
    });
  program
    .command("migrate-state")
    .description("copy a SQLite state whole (ledger, sequences, control numbers) into an empty PostgreSQL database")
    .requiredOption("--from <sqlite:file>", "the SQLite state file (sqlite:PATH or PATH)")
    .requiredOption("--to <url>", "the PostgreSQL database: postgres://user@host:port/database, no password")
    .option("--password-env <name>", "the environment variable holding its password (default: PGPASSWORD)")
    .option("--json", "print one JSON document")
    .action(async (o) => {
      c.code = await migrateStateCommand(o, c.io);
    });
}

/** Tools for mapping authors and editors: mapping check, the config schema. */
function addToolCommands(program: Command, c: Cli): void {
  const { io } = c;
  program
    .command("mapping")
    .description("mapping files")
    .command("check")
    .description(
      "validate a mapping; with --sample, print the records it reads (or the file it renders) with line-precise errors",
    )
    .argument("<mapping>", "the mapping file")
    .option(
      "--sample <file>",
      "an input file to read through it; for a cart mapping, a CSV of code,quantity[,sku,asOf,available] lines to render",
    )
    .option("--json", "print one JSON document")
    .addOption(new Option("--now <iso>", "the snapshot time of a rendered sample").hideHelp())
    .action(async (mappingArg: string, o) => {
      c.code = await mappingCheckCommand({ ...o, mapping: mappingArg }, io);
    });
  program
    .command("schema")
    .description(
      "print the JSON Schema of stockfeed.yaml (for an editor), or with --markdown the configuration reference",
    )
    .option("--markdown", "the reference tables the README carries")
    .action((o: { markdown?: boolean }) => {
      io.out(o.markdown ? configReference() : JSON.stringify(configJsonSchema(), null, 2));
    });
}

const invokedDirectly = (() => {
  try {
    return (
      process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  void main(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
