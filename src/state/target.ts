/**
 * Where a deployment's state is: a SQLite file (the embedded default) or a PostgreSQL
 * database (many merchants, many workers). The config names it with `state:` (a path, or a
 * postgres:// URL without a password) or `stateUrlEnv:` (the URL in an environment
 * variable); a PostgreSQL password comes from the environment, never from the YAML.
 */
export type StateTarget =
  | { kind: "sqlite"; path: string }
  | {
      kind: "postgres";
      url: string;
      /** the environment variable holding the password (unset: PostgreSQL's own PGPASSWORD, or none) */
      passwordEnv?: string;
    };

export function isPostgresUrl(state: string): boolean {
  return /^postgres(ql)?:\/\//i.test(state);
}

/** What is wrong with a postgres:// URL given in the config, or undefined. */
export function postgresUrlProblem(url: string, inYaml: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "is not a readable postgres:// URL";
  }
  if (inYaml && u.password)
    return "carries a password: a password must not be in the config; put it in the environment (statePasswordEnv)";
  if (!u.hostname && !u.searchParams.get("host")) return "names no host";
  if (u.pathname.length <= 1) return "names no database (postgres://user@host:port/database)";
  return undefined;
}

/** The state named for messages: a path, or the URL without a password. */
export function describeTarget(t: StateTarget): string {
  if (t.kind === "sqlite") return t.path;
  try {
    const u = new URL(t.url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(an unreadable postgres:// URL)";
  }
}
