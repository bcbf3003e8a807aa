/**
 * On PostgreSQL one process works on a merchant at a time (a session advisory lock per
 * merchant); other merchants' work goes on, and a process that dies frees its merchants.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/scenario.js";
import { MerchantLocks } from "../../src/state/postgres/locks.js";
import { freshDatabase, postgres } from "../helpers/stores.js";

describe.skipIf(!postgres)("merchant locks on PostgreSQL", () => {
  it("refuse a merchant held by another process, naming it, and free it on release", async () => {
    const target = await freshDatabase();
    const first = await MerchantLocks.acquire(target, ["acme", "globex"], "stockfeed run");
    await expect(MerchantLocks.acquire(target, ["initech", "globex"], "stockfeed worker")).rejects.toThrow(
      /merchant globex's state is in use by stockfeed run \(pid \d+ on .+\) since \d{4}-/,
    );
    // the refused one took none: initech is free
    const other = await MerchantLocks.acquire(target, ["initech"], "stockfeed run");
    await other.release();
    await first.release();
    const again = await MerchantLocks.acquire(target, ["globex"], "stockfeed run");
    await again.release();
  });
  it("are freed when the holder is killed (SIGKILL: the server sees its connection go)", async () => {
    const target = await freshDatabase();
    const locks = join(ROOT, "dist/state/postgres/locks.js");
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { MerchantLocks } = await import(${JSON.stringify(locks)});
         await MerchantLocks.acquire(JSON.parse(process.env.TARGET), ["acme"], "stockfeed run");
         console.log("held"); setInterval(() => {}, 1000);`,
      ],
      { env: { ...process.env, TARGET: JSON.stringify(target) }, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
      child.on("exit", (code) => reject(new Error(`the holder exited first (${code})`)));
    });
    await expect(MerchantLocks.acquire(target, ["acme"], "stockfeed run")).rejects.toThrow(/in use by stockfeed run/);
    child.kill("SIGKILL");
    let next: MerchantLocks | undefined;
    for (let i = 0; i < 100 && !next; i++) {
      next = await MerchantLocks.acquire(target, ["acme"], "stockfeed run").catch(() => undefined);
      if (!next) await new Promise((r) => setTimeout(r, 50));
    }
    expect(next).toBeDefined();
    await next!.release();
  });
});
