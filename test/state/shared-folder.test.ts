/** Workers on several machines must share the work folder: a worker on another folder refuses to start. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connectPg } from "../../src/state/postgres/connect.js";
import { checkSharedFolder, MARKER } from "../../src/state/postgres/shared-folder.js";
import { freshDatabase, postgres } from "../helpers/stores.js";

const made: string[] = [];
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), "stockfeed-shared-"));
  made.push(d);
  return join(d, "work");
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!postgres)("the shared work folder of a deployment's workers", () => {
  it("is marked by the first worker, accepted for the next, refused when another folder or deployment", async () => {
    const sql = await connectPg(await freshDatabase());
    try {
      const shared = folder();
      await checkSharedFolder(sql, shared);
      const id = readFileSync(join(shared, MARKER), "utf8").trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await checkSharedFolder(sql, shared); // a second worker on the same folder
      // a worker whose workDir is a folder of its own machine
      const local = folder();
      await expect(checkSharedFolder(sql, local)).rejects.toThrow(
        new RegExp(`workDir ${local} is not the work folder .* it has no ${MARKER}; the state's was made in ${shared}`),
      );
      // one whose folder belongs to another deployment
      const other = folder();
      const elsewhere = await connectPg(await freshDatabase());
      await checkSharedFolder(elsewhere, other);
      await elsewhere.close();
      writeFileSync(join(shared, MARKER), readFileSync(join(other, MARKER)));
      await expect(checkSharedFolder(sql, shared)).rejects.toThrow(/names another deployment/);
    } finally {
      await sql.close();
    }
  });
});
