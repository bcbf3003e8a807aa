#!/usr/bin/env node
/**
 * A throwaway PostgreSQL server for tests and benchmarks, from Debian's `postgresql` package:
 * initdb in a new temp folder, a random free port on 127.0.0.1, password login (scram) for
 * the user `stockfeed`, the socket in the same folder. Nothing outside the folder is touched.
 *
 *   node scripts/postgres-server.mjs start [--fast] [--json]   prints where it listens
 *   node scripts/postgres-server.mjs stop DIR                   stops it and removes DIR
 *
 * `--fast` turns off fsync (a test server: nothing on it outlives the run). PostgreSQL will
 * not run as root: as root, the server runs as the `postgres` user the package creates.
 * Exit 2 with one line when no PostgreSQL is installed (STOCKFEED_PG_BIN names a bin folder).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** the folder of initdb and pg_ctl: STOCKFEED_PG_BIN, Debian's newest, or PATH */
export function findPostgres() {
  const fromEnv = process.env.STOCKFEED_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, "initdb")) ? fromEnv : undefined;
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(debian, versions[0], "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "initdb"))) return dir;
  return undefined;
}

/** as root: the uid and gid of `postgres`; otherwise the current user runs it */
function runAs() {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("PostgreSQL will not run as root, and there is no postgres user to run it as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sh(bin, args, user, what) {
  const r = spawnSync(bin, args, { ...user, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  return r.stdout;
}

/** starts a server; resolves to { url, password, dir, port } (the url carries no password) */
export async function startPostgres({ fast = false } = {}) {
  const bin = findPostgres();
  if (!bin) throw Object.assign(new Error("no PostgreSQL here (initdb not found)"), { code: "NO_POSTGRES" });
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), "stockfeed-pg-"));
  chmodSync(dir, 0o700);
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const password = randomBytes(12).toString("hex");
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (user.uid !== undefined) chownSync(pwfile, user.uid, user.gid);
  const data = join(dir, "data");
  const init = ["-D", data, "-U", "stockfeed", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8"];
  sh(join(bin, "initdb"), [...init, "--locale=C.UTF-8"], user, "initdb");
  rmSync(pwfile);
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-k ${dir}`,
    ...(fast ? ["-c fsync=off", "-c full_page_writes=off"] : []),
  ];
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const started = spawnSync(
      join(bin, "pg_ctl"),
      ["-D", data, "-l", join(dir, "log"), "-w", "-t", "60", "-o", [...options, `-p ${port}`].join(" "), "start"],
      { ...user, encoding: "utf8" },
    );
    if (started.status === 0)
      return { url: `postgres://stockfeed@127.0.0.1:${port}/postgres`, password, dir, port, bin };
    if (attempt === 2) throw new Error(`pg_ctl start failed: ${started.stderr}${readLog(dir)}`);
  }
}

function readLog(dir) {
  return existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8") : "";
}

export function stopPostgres(dir) {
  const bin = findPostgres();
  if (bin && existsSync(join(dir, "data", "postmaster.pid"))) {
    spawnSync(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-m", "fast", "-w", "stop"], {
      ...runAs(),
      stdio: "ignore",
    });
  }
  rmSync(dir, { recursive: true, force: true });
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === "start") {
    try {
      const s = await startPostgres({ fast: rest.includes("--fast") });
      if (rest.includes("--json")) console.log(JSON.stringify(s));
      else {
        console.log(`STOCKFEED_PG_URL=${s.url}`);
        console.log(`STOCKFEED_PG_PASSWORD=${s.password}`);
        console.log(`STOCKFEED_PG_DIR=${s.dir}`);
      }
    } catch (e) {
      console.error(`postgres-server: ${e.message}`);
      process.exit(e.code === "NO_POSTGRES" ? 2 : 1);
    }
  } else if (command === "stop" && rest[0]) stopPostgres(rest[0]);
  else {
    console.error("usage: postgres-server.mjs start [--fast] [--json] | stop DIR");
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
