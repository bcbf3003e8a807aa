/**
 * A state database from an older stockfeed opens in this one with nothing lost: migration 5
 * turns the per-delivery line table (sku_sync) and the outbox's lines into cart_lines.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrations } from "../../src/state/migrations.js";
import { openStore } from "../../src/state/store.js";

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("migrations", () => {
  it("carry what carts were sent, and the lines of a file still waiting in the outbox, into schema 5", async () => {
    dir = mkdtempSync(join(tmpdir(), "stockfeed-migrate-"));
    const path = join(dir, "state.sqlite");
    const old = new Database(path);
    for (const [v, sql] of migrations.slice(0, 4).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${v + 1}`);
    }
    const sync = old.prepare(
      "INSERT INTO cart_syncs (id, merchant, cart, synced_at, status, reason, file_name) VALUES (?, 'acme', 'shop', ?, ?, 'news', ?)",
    );
    sync.run(1, 1000, "delivered", "shop-1.csv");
    sync.run(2, 2000, "pending", "shop-2.csv");
    old.prepare("INSERT INTO cart_state (merchant, cart, seq, last_sync_id) VALUES ('acme', 'shop', 2, 1)").run();
    const sent = old.prepare(
      "INSERT INTO sku_sync (merchant, cart, code, sku, sync_id, synced_at, quantity) VALUES ('acme', 'shop', ?, ?, 1, 1000, ?)",
    );
    sent.run("A", "A", 10);
    sent.run("B", "B", 4);
    const waiting = old.prepare("INSERT INTO outbox_lines (sync_id, code, sku, quantity) VALUES (2, ?, ?, ?)");
    waiting.run("A", "A", 7);
    waiting.run("C", "C", 2);
    old
      .prepare(
        "INSERT INTO sync_skipped (sync_id, sku, code, reason) VALUES (1, 'D', NULL, 'no-alias'), (1, 'E', 'E', 'unsendable')",
      )
      .run();
    old.close();

    const store = await openStore(path);
    // the migration test reads the tables themselves: what the schema holds is its subject
    const db = new Database(path, { readonly: true });
    try {
      const view = () =>
        db.prepare("SELECT code, quantity, sync_id AS sync, synced_at AS at FROM sku_sync ORDER BY code").all();
      // while file 2 waits, what counts as sent is file 1
      expect(view()).toEqual([
        { code: "A", quantity: 10, sync: 1, at: 1000 },
        { code: "B", quantity: 4, sync: 1, at: 1000 },
      ]);
      // once it is delivered, its lines count, without touching them
      await store.carts.markDelivered(2, { fileName: "shop-2.csv", location: "/out/shop-2.csv", at: 2500 });
      expect(view()).toEqual([
        { code: "A", quantity: 7, sync: 2, at: 2000 },
        { code: "B", quantity: 4, sync: 1, at: 1000 },
        { code: "C", quantity: 2, sync: 2, at: 2000 },
      ]);
      expect(db.prepare("SELECT sku, reason FROM sync_skipped").all()).toEqual([{ sku: "E", reason: "unsendable" }]);
    } finally {
      db.close();
      await store.close();
    }
  });
});
