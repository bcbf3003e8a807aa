/**
 * DOMAIN rules 4 and 10: whether a cart is sent a file on this run.
 */
export interface SyncInputs {
  /** rule 10 */
  inventoryUpload: boolean;
  /** rule 4: per cart, forced on for formats that demand it (X12 846) */
  sendAll: boolean;
  /** any inventory loaded at all for the cart's warehouses */
  hasInventory: boolean;
  /** newest inventory file (that changed a level) for the cart's warehouses, by ledger id */
  newestInventoryFileId: number | null;
  /** the newest such file already reflected in the cart's last successful sync */
  lastSyncedInventoryFileId: number | null;
  /** the cart's sync-relevant settings changed since its last successful sync */
  settingsChanged: boolean;
}

export type SyncDecision =
  | { sync: true; reason: "news" | "send-all" | "first-sync" | "settings-changed" }
  | { sync: false; reason: "upload-off" | "no-inventory" | "no-news" };

export function decideSync(i: SyncInputs): SyncDecision {
  if (!i.inventoryUpload) return { sync: false, reason: "upload-off" };
  if (!i.hasInventory) return { sync: false, reason: "no-inventory" };
  if (i.lastSyncedInventoryFileId === null) return { sync: true, reason: "first-sync" };
  if (i.newestInventoryFileId !== null && i.newestInventoryFileId > i.lastSyncedInventoryFileId)
    return { sync: true, reason: "news" };
  if (i.settingsChanged) return { sync: true, reason: "settings-changed" };
  if (i.sendAll) return { sync: true, reason: "send-all" };
  return { sync: false, reason: "no-news" };
}

export const SKIP_REASON_TEXT: Record<"upload-off" | "no-inventory" | "no-news", string> = {
  "upload-off": "inventory upload is off for this cart",
  "no-inventory": "no inventory has been loaded for the cart's warehouses",
  "no-news": "no warehouse has delivered inventory since the last sync",
};
