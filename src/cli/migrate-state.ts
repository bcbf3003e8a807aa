import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { migrateState } from "../state/migrate-state.js";
import { describeTarget, isPostgresUrl, postgresUrlProblem } from "../state/target.js";
import { printJson, table, type Io } from "./output.js";

/**
 * `stockfeed migrate-state --from sqlite:FILE --to postgres://...`: the SQLite state copied
 * whole into an empty PostgreSQL database (its password from --password-env or PGPASSWORD).
 * The config then names the PostgreSQL state; the SQLite file is left as it was.
 */
export async function migrateStateCommand(
  args: { from: string; to: string; passwordEnv?: string; json?: boolean },
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const from = resolve(args.from.replace(/^sqlite:/, ""));
  if (!existsSync(from)) throw new UsageError(`--from: no SQLite state at ${from}`);
  if (!isPostgresUrl(args.to)) throw new UsageError("--to: a postgres:// URL");
  const problem = postgresUrlProblem(args.to, true);
  if (problem) throw new UsageError(`--to: the URL ${problem.replace("the config", "the command line")}`);
  const password = args.passwordEnv ? env[args.passwordEnv] : undefined;
  if (args.passwordEnv && password === undefined)
    throw new UsageError(`--password-env: ${args.passwordEnv} is not set`);
  const copied = await migrateState(from, { url: args.to, password });
  const to = describeTarget({ kind: "postgres", url: args.to });
  if (args.json) printJson(io, { from, to, tables: copied });
  else {
    io.out(`copied the state of ${from} into ${to}:`);
    io.out(
      table(
        ["table", "rows"],
        copied.map((t) => [t.table, String(t.rows)]),
      ),
    );
    io.out(`now point the config's state at ${to} (the SQLite file is unchanged)`);
  }
  return 0;
}
