import { describe, expect, it } from "vitest";
import { decideSync, type SyncInputs } from "../../src/domain/sync-decision.js";

const base: SyncInputs = {
  inventoryUpload: true,
  sendAll: false,
  hasInventory: true,
  newestInventoryFileId: 5,
  lastSyncedInventoryFileId: 5,
  settingsChanged: false,
};

describe("rule 4: sync only on news", () => {
  it("no news, no file", () => {
    expect(decideSync(base)).toEqual({ sync: false, reason: "no-news" });
  });
  it("a warehouse file since the last sync is news", () => {
    expect(decideSync({ ...base, newestInventoryFileId: 6 })).toEqual({ sync: true, reason: "news" });
  });
  it("send-all sends without news", () => {
    expect(decideSync({ ...base, sendAll: true })).toEqual({ sync: true, reason: "send-all" });
  });
  it("a cart never synced gets its first file", () => {
    expect(decideSync({ ...base, lastSyncedInventoryFileId: null })).toEqual({ sync: true, reason: "first-sync" });
  });
  it("changed settings (warehouse, alias, rules, mapping) send a full file", () => {
    expect(decideSync({ ...base, settingsChanged: true })).toEqual({ sync: true, reason: "settings-changed" });
  });
  it("nothing loaded yet: nothing to send, even with send-all", () => {
    expect(decideSync({ ...base, hasInventory: false, sendAll: true })).toEqual({
      sync: false,
      reason: "no-inventory",
    });
  });
});

describe("rule 10: inventory upload service", () => {
  it("off means no file, whatever else holds", () => {
    expect(decideSync({ ...base, inventoryUpload: false, sendAll: true, newestInventoryFileId: 9 })).toEqual({
      sync: false,
      reason: "upload-off",
    });
  });
});
