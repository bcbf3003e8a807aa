import { isPostgresUrl, postgresUrlProblem, type StateTarget } from "../state/target.js";
import type { Config } from "./schema.js";
import { problemAt, type LocatedYaml } from "./yaml.js";

/** The state the config names: `state` (a path or a URL) or `stateUrlEnv`, exactly one; problems are collected. */
export function stateTarget(
  y: LocatedYaml,
  c: Config,
  env: NodeJS.ProcessEnv,
  problems: string[],
): StateTarget | undefined {
  if ((c.state === undefined) === (c.stateUrlEnv === undefined)) {
    problems.push(problemAt(y, [], "give the state's place once: `state` (a SQLite file or a URL) or `stateUrlEnv`"));
    return undefined;
  }
  const passwordEnv = c.statePasswordEnv;
  if (c.state !== undefined && !isPostgresUrl(c.state)) {
    if (passwordEnv) problems.push(problemAt(y, ["statePasswordEnv"], "is for a PostgreSQL state only"));
    return { kind: "sqlite", path: c.state };
  }
  const url = c.state ?? env[c.stateUrlEnv!];
  if (url === undefined || url === "") {
    problems.push(problemAt(y, ["stateUrlEnv"], `names ${c.stateUrlEnv}, which is not set in the environment`));
    return undefined;
  }
  const problem = postgresUrlProblem(url, c.state !== undefined);
  if (problem) {
    problems.push(problemAt(y, c.state !== undefined ? ["state"] : ["stateUrlEnv"], `the PostgreSQL URL ${problem}`));
    return undefined;
  }
  return { kind: "postgres", url, ...(passwordEnv ? { passwordEnv } : {}) };
}
