/**
 * X12 control numbers, interchanges received and acknowledgments on every store: a control
 * number handed out is never handed out again, also to two sessions at once (two workers).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Edi } from "../../src/state/sql/edi.js";
import { Ledger } from "../../src/state/sql/ledger.js";
import type { SqlSession } from "../../src/state/sql/session.js";
import { openState, stores } from "../helpers/stores.js";

describe.each(stores)("X12 state on $store", ({ store, skip }) => {
  let state: Awaited<ReturnType<typeof openState>>;
  let sql: SqlSession;
  let edi: Edi;
  beforeEach(async () => {
    if (skip) return;
    state = await openState(store);
    sql = await state.session();
    edi = new Edi(sql);
  });
  afterEach(async () => {
    if (!skip) await state.close();
  });

  it.skipIf(skip)("hands out each partner's numbers in order: one ISA13, the GS06s and ST02s asked for", async () => {
    expect(await edi.reserveControlNumbers("acme", 1)).toEqual({ isa: 1, gs: 1, st: 1 });
    expect(await edi.reserveControlNumbers("acme", 3, 2)).toEqual({ isa: 2, gs: 2, st: 2 });
    expect(await edi.reserveControlNumbers("acme", 1)).toEqual({ isa: 3, gs: 4, st: 5 });
    expect(await edi.reserveControlNumbers("globex", 0)).toEqual({ isa: 1, gs: 1, st: 1 });
    expect(await edi.reserveControlNumbers("globex", 1)).toEqual({ isa: 2, gs: 2, st: 1 });
  });

  it.skipIf(skip)("takes back numbers with the transaction that reserved them, and only then", async () => {
    await edi.reserveControlNumbers("acme", 1);
    await expect(
      sql.transaction(async () => {
        await edi.reserveControlNumbers("acme", 1);
        throw new Error("the render failed: nothing was sent");
      }),
    ).rejects.toThrow(/render failed/);
    expect(await edi.reserveControlNumbers("acme", 1)).toEqual({ isa: 2, gs: 2, st: 2 });
  });

  it.skipIf(skip)("refuses numbers past nine digits and takes none for the refused interchange", async () => {
    await edi.reserveControlNumbers("acme", 999_999_997);
    await expect(edi.reserveControlNumbers("acme", 3)).rejects.toThrow(/control numbers for acme are exhausted/);
    expect(await edi.reserveControlNumbers("acme", 2)).toEqual({ isa: 2, gs: 2, st: 999_999_998 });
  });

  // SQLite's state belongs to one process at a time (state/lock.ts): workers share PostgreSQL's
  it.skipIf(skip || store === "sqlite")("never gives two sessions (two workers) the same numbers", async () => {
    const others = [new Edi(await state.session()), new Edi(await state.session())];
    const taken = await Promise.all(
      others.map(async (e) => {
        const got = [];
        for (let i = 0; i < 40; i++) got.push(await e.reserveControlNumbers("acme", 2));
        return got;
      }),
    );
    const all = taken.flat();
    expect(new Set(all.map((c) => c.isa)).size).toBe(80);
    const sts = all.flatMap((c) => [c.st, c.st + 1]);
    expect(new Set(sts).size).toBe(160);
    expect(Math.max(...sts)).toBe(160);
  });

  it.skipIf(skip)("remembers where an interchange was received, once", async () => {
    const ledger = new Ledger(sql);
    const run = await ledger.startRun(1);
    const fileId = await ledger.insertFile(
      {
        runId: run,
        source: "m/orders/p",
        kind: "orders",
        merchant: "m",
        name: "in.x12",
        size: 1,
        sha256: "s",
        mtime: 1,
        takenAt: Date.UTC(2026, 11, 4, 3),
      },
      "loaded",
    );
    expect(await edi.findReceivedInterchange("ZZ:SENDER", "ZZ:US", "000000007")).toBeUndefined();
    await edi.recordReceivedInterchange("ZZ:SENDER", "ZZ:US", "000000007", fileId);
    await edi.recordReceivedInterchange("ZZ:SENDER", "ZZ:US", "000000007", fileId);
    expect(await edi.findReceivedInterchange("ZZ:SENDER", "ZZ:US", "000000007")).toBe(
      "in in.x12, taken 2026-12-04T03:00:00.000Z",
    );

    await edi.addAck({ fileId, source: "m/orders/p", name: "997-1.x12", content: "ISA*...", createdAt: 5 });
    await edi.addAck({ fileId, source: "m/orders/p", name: "997-2.x12", content: "ISA*..2", createdAt: 6 });
    const [first, second] = await edi.pendingAcks("m/orders/p");
    expect([first.name, first.error, second.name]).toEqual(["997-1.x12", null, "997-2.x12"]);
    await edi.ackFailed(first.id, "530 login refused");
    await edi.ackDelivered(second.id, 7, "/out/997-2.x12");
    expect(await edi.pendingAcks("m/orders/p")).toEqual([
      { id: first.id, name: "997-1.x12", content: "ISA*...", error: "530 login refused" },
    ]);
  });
});
