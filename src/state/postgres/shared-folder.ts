/**
 * Workers on several machines share one work folder (spool, outbox, kept copies, archive,
 * quarantine): a file spooled by one must be there for the one that loads it, a cart's kept
 * file for the one that patches it. The first worker of a deployment records an id in the
 * state and writes it in `<workDir>/.stockfeed-deployment`; every later worker must find the
 * same id there, or refuses to start: its work folder is not the shared one.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../errors.js";
import { makeDirs } from "../../util/fs.js";
import type { SqlSession } from "../sql/session.js";

export const MARKER = ".stockfeed-deployment";

type Deployment = { id: string; work_dir: string; created_at: number; created_by: string };

function readMarker(workDir: string): string | undefined {
  const path = join(workDir, MARKER);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

/**
 * Checks (or, for the deployment's first worker, makes) the shared work folder's marker, under
 * an advisory lock: workers starting together agree on one deployment. A first worker killed
 * between writing the marker and committing leaves a marker the state does not know: the next
 * first worker writes its own over it.
 */
export async function checkSharedFolder(sql: SqlSession, workDir: string, now = Date.now()): Promise<void> {
  await sql.transaction(async () => {
    await sql.run("SELECT pg_advisory_xact_lock(hashtext('stockfeed: the deployment'))");
    const known = await sql.get<Deployment>("SELECT id, work_dir, created_at, created_by FROM deployment");
    const marker = readMarker(workDir);
    if (!known) {
      const mine = {
        id: randomUUID(),
        work_dir: workDir,
        created_at: now,
        created_by: `${hostname()} pid ${process.pid}`,
      };
      makeDirs(workDir);
      const tmp = join(workDir, `${MARKER}.${process.pid}`);
      writeFileSync(tmp, `${mine.id}\n`);
      renameSync(tmp, join(workDir, MARKER));
      await sql.run(
        `INSERT INTO deployment (id, work_dir, created_at, created_by)
         VALUES (@id, @work_dir, @created_at, @created_by)`,
        mine,
      );
      return;
    }
    if (marker === known.id) return;
    throw new ConfigError(
      `workDir ${workDir} is not the work folder this deployment's workers share: ` +
        (marker === undefined ? `it has no ${MARKER}` : `its ${MARKER} names another deployment (${marker})`) +
        `; the state's was made in ${known.work_dir} by ${known.created_by} on ` +
        `${new Date(known.created_at).toISOString()}. Mount that folder at the config's workDir on every worker ` +
        "(NFS or the like) and start again",
    );
  });
}
