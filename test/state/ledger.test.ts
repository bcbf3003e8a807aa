/**
 * The file ledger on every store (rule: a file is loaded once; its rejects are kept with
 * their lines), one suite run on SQLite and on PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../src/state/sql/ledger.js";
import { openStore, type Ledger as LedgerFace } from "../../src/state/store.js";
import { pgSession, sqliteFolder, stores, type StoreName } from "../helpers/stores.js";

async function open(store: StoreName): Promise<{ ledger: LedgerFace; close: () => Promise<void> }> {
  if (store === "postgres") {
    const session = await pgSession();
    return { ledger: new Ledger(session), close: () => session.close() };
  }
  const folder = sqliteFolder();
  const s = await openStore(folder.path);
  return { ledger: s.ledger, close: async () => (await s.close(), folder.remove()) };
}

const file = (runId: number, name: string, sha256: string) => ({
  runId,
  source: "m1/inventory/east",
  kind: "inventory",
  merchant: "m1",
  warehouse: "east",
  name,
  size: 120,
  sha256,
  mtime: 1_764_000_000_000,
  takenAt: 1_764_000_100_000,
});

describe.each(stores)("the file ledger on $store", ({ store, skip }) => {
  let ledger: LedgerFace;
  let close: () => Promise<void>;
  beforeEach(async () => {
    if (skip) return;
    ({ ledger, close } = await open(store));
  });
  afterEach(async () => {
    if (!skip) await close();
  });

  it.skipIf(skip)("numbers runs in order and keeps what each did", async () => {
    const a = await ledger.startRun(1000);
    const b = await ledger.startRun(2000);
    expect(b).toBeGreaterThan(a);
    await ledger.finishRun(a, 1500, "ok", { files: 1 });
  });

  it.skipIf(skip)("finds a loaded file by its content, and a taken one by path, size and mtime", async () => {
    const run = await ledger.startRun(1000);
    const id = await ledger.insertFile(file(run, "inv-1.csv", "aa"), "loading");
    expect(await ledger.findTaken("m1/inventory/east", "inv-1.csv", 120, 1_764_000_000_000)).toBeUndefined();
    await ledger.finishFile(id, { status: "loaded", rowsRead: 3, rowsLoaded: 3, asOf: 5, storedAt: "archive/x" });
    expect(await ledger.findLoaded("m1/inventory/east", "aa")).toEqual({
      id,
      name: "inv-1.csv",
      taken_at: 1_764_000_100_000,
    });
    expect(await ledger.findTaken("m1/inventory/east", "inv-1.csv", 120, 1_764_000_000_000)).toEqual({
      id,
      status: "loaded",
      sha256: "aa",
      stored_at: "archive/x",
      rows_rejected: 0,
    });
    expect(await ledger.findTaken("m1/inventory/east", "inv-1.csv", 121, 1_764_000_000_000)).toBeUndefined();
  });

  it.skipIf(skip)("never records the same content as loaded twice for one source (files are loaded once)", async () => {
    const run = await ledger.startRun(1000);
    const first = await ledger.insertFile(file(run, "a.csv", "same"), "loading");
    await ledger.finishFile(first, { status: "loaded" });
    const again = await ledger.insertFile(file(run, "b.csv", "same"), "loading");
    await expect(ledger.finishFile(again, { status: "loaded" })).rejects.toThrow(/unique|UNIQUE/);
    await ledger.finishFile(again, { status: "duplicate" });
    expect((await ledger.findLoaded("m1/inventory/east", "same"))?.id).toBe(first);
  });

  it.skipIf(skip)(
    "remembers a listing: unchanged files keep when they were first seen, gone ones are forgotten",
    async () => {
      const memory = ledger.listingMemory("m1/inventory/east");
      await memory.remember(
        [
          { path: "a.csv", size: 1, mtime: 10 },
          { path: "b.csv", size: 2, mtime: 20 },
        ],
        100,
      );
      await memory.remember(
        [
          { path: "a.csv", size: 1, mtime: 10 },
          { path: "c.csv", size: 3, mtime: 30 },
        ],
        200,
      );
      await memory.remember(
        [
          { path: "a.csv", size: 5, mtime: 10 },
          { path: "c.csv", size: 3, mtime: 30 },
        ],
        300,
      );
      expect(Object.fromEntries(await memory.recall())).toEqual({
        "a.csv": { size: 5, mtime: 10, seenAt: 300 },
        "c.csv": { size: 3, mtime: 30, seenAt: 200 },
      });
      expect((await ledger.listingMemory("other/source").recall()).size).toBe(0);
    },
  );

  it.skipIf(skip)("gives a file's rejects back in line order, then in the order written, past a page", async () => {
    const run = await ledger.startRun(1000);
    const id = await ledger.insertFile(file(run, "bad.csv", "bb"), "loading");
    const rejects = Array.from({ length: 2500 }, (_, i) => ({
      file: "bad.csv",
      line: 2 + ((i * 7) % 600),
      field: "quantity",
      value: `v${i}`,
      reason: `reason ${i}`,
      sku: i % 3 ? `SKU-${i}` : undefined,
      severity: i % 5 ? undefined : ("warning" as const),
    }));
    await ledger.addRejects(id, rejects.slice(0, 1200));
    await ledger.addRejects(id, rejects.slice(1200));
    const back = [];
    for await (const r of ledger.rejectsOf(id)) back.push(r);
    const expected = rejects
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.line - b.r.line || a.i - b.i)
      .map(({ r: { file: _f, ...r } }) => ({
        ...r,
        sku: r.sku ?? null,
        order_id: null,
        severity: r.severity ?? "reject",
      }));
    expect(back).toEqual(expected);
  });
});
