import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT, Scenario, SAMPLES, snapshotTree } from "./helpers/scenario.js";
import { scenarioStore } from "./helpers/stores.js";
import { loadConfig } from "../src/config/load.js";
import { collect } from "../src/util/iterate.js";
import { computeCartLines } from "../src/stages/sync.js";
import { stockfeed } from "./helpers/cli.js";

const T = "2026-11-20T11:00:00Z";
let s: Scenario;
afterEach(() => s?.cleanup());

/** The files below a folder this process holds open (Linux: /proc/self/fd). */
function openBelow(dir: string): string[] {
  const real = realpathSync(dir);
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((target) => target.startsWith(real) && !target.endsWith(".sqlite") && !target.includes(".sqlite-"));
}

function archived(s: Scenario): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name).slice(s.path("work").length + 1));
  };
  if (existsSync(s.path("work"))) walk(s.path("work"));
  return out.sort();
}

describe("folder lifecycle", () => {
  it("moves a taken file to archive/ under a date path, and nothing stays in the inbox or spool", async () => {
    s = new Scenario();
    const f = s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = await s.run({ now: () => Date.parse("2026-11-23T08:00:00Z") });
    expect(existsSync(f)).toBe(false);
    expect(r.files[0].storedAt).toBe(s.path("work/archive/2026/11/23/acme/warehouse/east/inv.csv"));
    // beside the archive: the cart's last delivered file, kept to patch its next one from
    expect(archived(s)).toEqual(["archive/2026/11/23/acme/warehouse/east/inv.csv", "kept/acme/shop/1"]);
  });

  it("writes line rejects beside the archived file as <name>.rejects.csv (line, severity, sku, order_id, field, value, reason)", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,=1+1,,,${T}`, `C,2.5,,,${T}`, `D,4,,,not-a-date`]);
    const r = await s.run();
    const report = readFileSync(r.files[0].rejectsFile!, "utf8").split("\r\n");
    expect(report[0]).toBe("line,severity,sku,order_id,field,value,reason");
    expect(report[1]).toBe(`3,reject,B,,quantity_available,"'=1+1",quantity is not a number`); // formula neutralised for spreadsheets
    expect(report[2]).toMatch(/^4,reject,C,,quantity_available,2\.5,quantity is not a whole number/);
    expect(report[3]).toMatch(/^5,reject,D,,as_of,not-a-date,not an ISO 8601 date-time$/);
    const [file] = await s.files();
    const rejects = await s.read((store) => collect(store.ledger.rejectsOf(file.id)));
    expect(rejects.map((x) => ({ line: x.line, sku: x.sku }))).toEqual([
      { line: 3, sku: "B" },
      { line: 4, sku: "C" },
      { line: 5, sku: "D" },
    ]);
  });

  it("an order file's rejects name the order beside the line and SKU", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    s.orders("shop", "o.csv", ["7001,1,A,2,2026-11-20T12:00:00Z,open", "7002,1,A,1.5,2026-11-20T12:00:00Z,open"]);
    const r = await s.run();
    const orders = r.files.find((f) => f.kind === "orders")!;
    expect(orders.rejects.map((e) => [e.line, e.sku, e.orderId])).toEqual([[3, "A", "7002"]]);
    expect(readFileSync(orders.rejectsFile!, "utf8")).toContain("3,reject,A,7002,quantity,1.5,");
  });

  it("a symbolic link in a drop folder is never taken or followed, and the run output says so", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const target = s.write("elsewhere/secret.csv", `sku,quantity_available\nB,99\n`);
    symlinkSync(target, s.path("in/wms/east/link.csv"));
    const r = await s.run();
    expect(r.exitCode).toBe(0);
    const skipped = r.files.find((f) => f.name === "link.csv")!;
    expect(skipped).toMatchObject({ status: "skipped", error: expect.stringContaining("a symbolic link") });
    expect(s.latest("shop")).toEqual({ A: 10 });
    expect(lstatSync(s.path("in/wms/east/link.csv")).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toContain("B,99");
    const { formatRunReport } = await import("../src/cli/run.js");
    expect(formatRunReport(r)).toMatch(
      /link\.csv: a symbolic link, not a regular file: never taken or followed; left where it is/,
    );
  });

  it("a send-all cart's kept copy is private: an in-place edit of the delivered file is never sent again as truth", async () => {
    s = new Scenario({ carts: [{ id: "shop", sendAll: true }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,3,,,${T}`]);
    await s.run();
    const delivered = s.path("out/shop", s.outputs("shop")[0]);
    const original = readFileSync(delivered, "utf8");
    writeFileSync(delivered, original.replace("A,10", "A,999")); // in place: same inode
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "sent", reason: "send-all", repeated: s.outputs("shop")[0] });
    expect(s.latest("shop")).toEqual({ A: 10, B: 3 });
  });

  it("a kept copy whose bytes differ from those recorded is not sent: the file is rendered afresh", async () => {
    s = new Scenario({ carts: [{ id: "shop", sendAll: true }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,3,,,${T}`]);
    await s.run();
    const dir = s.path("work/kept/acme/shop");
    const kept = join(dir, readdirSync(dir)[0]);
    writeFileSync(kept, readFileSync(kept, "utf8").replace("A,10", "A,999"));
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "sent", reason: "send-all" });
    expect(r.carts[0].repeated).toBeUndefined();
    expect(s.latest("shop")).toEqual({ A: 10, B: 3 });
  });

  it("quarantines a file that cannot be read at all, beside a .error.txt saying why, and never deletes it", async () => {
    s = new Scenario();
    const inbox = s.path("in/wms/east");
    mkdirSync(inbox, { recursive: true });
    copyFileSync(join(SAMPLES, "bad/east-inventory-no-quantity.csv"), join(inbox, "bad.csv"));
    const r = await s.run();
    expect(r.exitCode).toBe(1);
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringContaining('required column "quantity_available"'),
    });
    const q = s.path("work/quarantine/acme/warehouse/east/bad.csv");
    expect(readFileSync(q, "utf8")).toBe(readFileSync(join(SAMPLES, "bad/east-inventory-no-quantity.csv"), "utf8"));
    expect(readFileSync(`${q}.error.txt`, "utf8")).toMatch(
      /^bad\.csv: required column "quantity_available" \(field available\) is missing from the header/,
    );
    expect((await s.files()).map((f) => ({ status: f.status, error: f.error !== null }))).toEqual([
      { status: "failed", error: true },
    ]);
  });

  it("a quarantined file leaves no descriptor open: a daemon quarantining for months never reaches EMFILE", async () => {
    s = new Scenario({ warehouses: [{ id: "east" }, { id: "west" }] });
    s.patch((c: any) => {
      c.merchants[0].warehouses[1].inventory.mapping = join(ROOT, "mappings/wms/x12-846.yaml");
      c.merchants[0].warehouses[1].inventory.source.match = "*.x12";
    });
    const x12 = readFileSync(join(SAMPLES, "edi/846/west-846-20261120.x12"), "latin1");
    for (let i = 0; i < 5; i++) {
      s.write(`in/wms/east/no-column-${i}.csv`, `sku,quantity_on_hand\nA${i},1\n`);
      s.write(`in/wms/east/twice-${i}.csv`, `sku,quantity_available,sku\nA${i},1,A${i}\n`);
      s.write(`in/wms/east/blank-${i}.csv`, "\n\n\n");
      s.write(`in/wms/west/not-x12-${i}.x12`, `GS*IB*X${i}*Y~${x12}`);
      s.write(`in/wms/west/text-${i}.x12`, `hello ${i}\n`);
    }
    const r = await s.run();
    expect(r.files.filter((f) => f.status !== "failed").map((f) => f.name)).toEqual([]);
    expect(r.files).toHaveLength(25);
    expect(openBelow(s.dir)).toEqual([]);
  });

  it("quarantines an empty file", async () => {
    s = new Scenario();
    s.write("in/wms/east/empty.csv", "");
    const r = await s.run();
    expect(r.files[0]).toMatchObject({ status: "failed", error: expect.stringContaining("empty") });
    expect(existsSync(s.path("work/quarantine/acme/warehouse/east/empty.csv"))).toBe(true);
  });

  it("does not load the same bytes from the same source twice, and archives the copy as a duplicate", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,3,2026-11-20T12:00:00Z,open"]);
    await s.run();
    s.orders("shop", "o.csv", ["1,1,A,3,2026-11-20T12:00:00Z,open"]);
    s.orders("shop", "o-again.csv", ["1,1,A,3,2026-11-20T12:00:00Z,open"]);
    const r = await s.run();
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ["o.csv", "duplicate"],
      ["o-again.csv", "duplicate"],
    ]);
    expect(r.exitCode).toBe(0);
    expect(archived(s).filter((p) => p.includes("duplicate"))).toHaveLength(2);
    expect((await s.facts("shop", "A")).orders.map((o) => [o.orderId, o.quantity, o.timesSeen])).toEqual([["1", 3, 1]]);
  });

  it("finishes a file an interrupted run left in the spool, once", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    await s.run();
    // as if a run had claimed b.csv and died before loading it
    const spool = s.path("work/spool/acme/warehouse/east");
    mkdirSync(spool, { recursive: true });
    const b = s.inventory("east", "b.csv", [`A,4,,,2026-11-20T12:00:00Z`]);
    renameSync(b, join(spool, "b.csv"));
    const r = await s.run();
    expect(r.files.map((f) => [f.name, f.status])).toEqual([["b.csv", "loaded"]]);
    expect(readdirSync(spool)).toEqual([]);
    expect(s.latest("shop")).toEqual({ A: 4 });
  });

  it("a file loaded whose move to the archive was interrupted is recognised, not loaded twice", async () => {
    s = new Scenario();
    s.orders("shop", "o.csv", ["1,1,A,3,2026-11-20T12:00:00Z,open"]);
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    const r = await s.run();
    // put the archived order file back in the spool: what a crash after commit, before the move, leaves
    const spool = s.path("work/spool/acme/orders/shop");
    mkdirSync(spool, { recursive: true });
    copyFileSync(r.files.find((f) => f.name === "o.csv")!.storedAt!, join(spool, "o.csv"));
    const again = await s.run();
    expect(again.files.map((f) => [f.name, f.status])).toEqual([["o.csv", "duplicate"]]);
    expect((await s.facts("shop", "A")).orders.map((o) => o.timesSeen)).toEqual([1]);
  });

  it("writes cart files under a temporary name and renames them when complete", async () => {
    s = new Scenario();
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    const r = await s.run();
    expect(r.carts[0].location).toBe(s.path("out/shop/shop-0001.csv"));
    expect(readdirSync(s.path("out/shop"))).toEqual(["shop-0001.csv"]);
    expect(readdirSync(s.path("work/outbox/acme/shop"))).toEqual([]);
  });

  it("leaves files a writer is still busy with: dot files and .part names", async () => {
    s = new Scenario();
    s.write("in/wms/east/.inv.csv", "sku,quantity_available\nA,1\n");
    s.write("in/wms/east/inv.csv.part", "sku,quantity_available\nA,1\n");
    const r = await s.run();
    expect(r.files).toEqual([]);
  });

  it("a cart file whose name is taken at the destination fails that cart, not the run, and waits in the outbox until it can be delivered as it is", async () => {
    s = new Scenario({ carts: [{ id: "shop", filename: "stock.csv" }, { id: "other" }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    s.write("out/shop/stock.csv", "someone else's file\n");
    const r = await s.run();
    expect(r.exitCode).toBe(1);
    expect(r.carts.map((c) => c.action)).toEqual(["failed", "sent"]);
    expect(r.carts[0].error).toMatch(/already exists with other content \(fileExist: fail\).*waits in the outbox/);
    expect(readFileSync(s.path("out/shop/stock.csv"), "utf8")).toBe("someone else's file\n");
    expect(readdirSync(s.path("work/outbox/acme/shop"))).toEqual(["stock.csv"]);
    // not recorded as sent while it waits
    expect((await s.productSync("shop")).map((x) => [x.sku, x.lastCartSyncAt, x.lastQuantity])).toEqual([
      ["A", "NEVER", null],
    ]);
    const carts = await s.read((store, config) => store.queries.cartStatus(config));
    expect(carts.find((c) => c.cart === "shop")).toMatchObject({
      lastSync: "NEVER",
      waitingInOutbox: 1,
      lastAttempt: { status: "pending" },
    });
    // a run while the name is still taken tries again and makes no second file
    const blocked = await s.run();
    expect(blocked.carts[0]).toMatchObject({ action: "failed", file: "stock.csv" });
    expect(readdirSync(s.path("work/outbox/acme/shop"))).toEqual(["stock.csv"]);
    // once the name is free, the waiting file itself is delivered; nothing new is rendered
    renameSync(s.path("out/shop/stock.csv"), s.path("elsewhere.csv"));
    const again = await s.run();
    expect(again.carts.map((c) => [c.cart, c.action, c.reason, c.delivered])).toEqual([
      ["shop", "skipped", "no-news", ["stock.csv"]],
      ["other", "skipped", "no-news", []],
    ]);
    expect(readFileSync(s.path("out/shop/stock.csv"), "utf8")).toBe("sku,quantity\nA,10\n");
    expect(readdirSync(s.path("work/outbox/acme/shop"))).toEqual([]);
    expect((await s.outbox({ owner: "shop" })).map((f) => ({ status: f.status, attempts: f.attempts }))).toEqual([
      { status: "delivered", attempts: 3 },
    ]);
    expect((await s.productSync("shop")).map((x) => [x.sku, x.lastQuantity])).toEqual([["A", 10]]);
  });
});

describe("a file delivered on a later run", () => {
  it("shows as delivered in that run's output and in history with its time; status shows that time", async () => {
    s = new Scenario({ carts: [{ id: "shop", filename: "stock.csv" }] });
    s.inventory("east", "inv.csv", [`A,10,,,${T}`]);
    s.write("out/shop/stock.csv", "someone else's file\n");
    await s.run({ now: () => Date.parse("2026-11-20T12:00:00Z") });
    renameSync(s.path("out/shop/stock.csv"), s.path("elsewhere.csv"));
    const later = await s.run({ now: () => Date.parse("2026-11-20T13:00:00Z") });
    expect(later.carts[0].outboxDeliveries).toEqual([
      { file: "stock.csv", madeAt: "2026-11-20T12:00:00Z", deliveredAt: "2026-11-20T13:00:00Z" },
    ]);
    const { formatRunReport } = await import("../src/cli/run.js");
    expect(formatRunReport(later)).toContain(
      "shop: delivered stock.csv from the outbox at 2026-11-20T13:00:00Z (made 2026-11-20T12:00:00Z",
    );
    const history = stockfeed("history", "--config", s.configPath);
    expect(history.stdout).toContain("shop delivered stock.csv from the outbox at 2026-11-20T13:00:00Z");
    const status = JSON.parse(stockfeed("status", "--config", s.configPath, "--json").stdout);
    expect(status.carts[0].lastSync).toMatchObject({
      file: "stock.csv",
      at: Date.parse("2026-11-20T12:00:00Z"),
      deliveredAt: Date.parse("2026-11-20T13:00:00Z"),
    });
    expect(stockfeed("status", "--config", s.configPath).stdout).toContain(
      "2026-11-20T13:00:00Z (made 2026-11-20T12:00:00Z)",
    );
  });
});

describe("what a cart was last sent (View Product Sync)", () => {
  it("a file waiting in the outbox does not count as sent, a lost one never does, and the last delivered values stay", async () => {
    s = new Scenario({ carts: [{ id: "shop", filename: "stock-{seq}.csv" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,4,,,${T}`]);
    await s.run();
    const sent = () => s.lastSent("shop");
    expect(await sent()).toEqual([
      { code: "A", quantity: 10, file: "stock-1.csv" },
      { code: "B", quantity: 4, file: "stock-1.csv" },
    ]);
    // the next file cannot be delivered (its name is taken): it waits, and counts for nothing yet
    s.write("out/shop/stock-2.csv", "someone else's file\n");
    s.inventory("east", "b.csv", [`A,7,,,2026-11-20T12:00:00Z`, `C,2,,,2026-11-20T12:00:00Z`]);
    expect((await s.run()).carts[0].action).toBe("failed");
    expect((await sent()).map((r) => [r.code, r.quantity, r.file])).toEqual([
      ["A", 10, "stock-1.csv"],
      ["B", 4, "stock-1.csv"],
    ]);
    // the waiting file is lost from the outbox: the cart gets a new one, the old values still stand meanwhile
    rmSync(s.path("work/outbox/acme/shop/stock-2.csv"));
    rmSync(s.path("out/shop/stock-2.csv"));
    const r = await s.run();
    expect(r.carts[0]).toMatchObject({ action: "failed", error: expect.stringMatching(/is gone/) });
    expect((await sent()).map((x) => x.file)).toEqual(["stock-1.csv", "stock-1.csv"]);
    const next = await s.run();
    expect(next.carts[0]).toMatchObject({ action: "sent", file: "stock-3.csv" });
    expect((await sent()).map((x) => [x.code, x.quantity, x.file])).toEqual([
      ["A", 7, "stock-3.csv"],
      ["B", 4, "stock-3.csv"],
      ["C", 2, "stock-3.csv"],
    ]);
  });
});

describe("the lines a file records", () => {
  it("are only those that differ from the previous file; the others still count as sent in it", async () => {
    s = new Scenario({ aliases: true, carts: [{ id: "shop", alias: "upc", filename: "stock-{seq}.csv" }] });
    s.aliases("a.csv", ["A,upc,0001", "B,upc,0002", "C,upc,0003"]);
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,4,,,${T}`, `C,1,,,${T}`]);
    expect((await s.run()).carts[0]).toMatchObject({ action: "sent", rows: 3, linesChanged: 3 });
    // A changes and C loses its alias (rule 9: no longer in the file): two lines written, B is not
    s.aliases("b.csv", ["A,upc,0001", "B,upc,0002"]);
    s.inventory("east", "b.csv", [`A,7,,,2026-11-20T12:00:00Z`]);
    expect((await s.run()).carts[0]).toMatchObject({ action: "sent", rows: 2, linesChanged: 2 });
    expect((await s.lastSent("shop")).map((r) => [r.code, r.quantity, r.file])).toEqual([
      ["0001", 7, "stock-2.csv"],
      ["0002", 4, "stock-2.csv"],
      ["0003", 1, "stock-1.csv"],
    ]);
    // news that changes no line's value: a new file, nothing written, every line sent in it
    s.inventory("east", "c.csv", [`B,4,,,2026-11-20T13:00:00Z`]);
    expect((await s.run()).carts[0]).toMatchObject({ action: "sent", file: "stock-3.csv", linesChanged: 0 });
    expect((await s.lastSent("shop")).map((r) => r.file)).toEqual(["stock-3.csv", "stock-3.csv", "stock-1.csv"]);
    // C's alias comes back with a new level: it is sent again
    s.aliases("d.csv", ["C,upc,0003", "A,upc,0001", "B,upc,0002"]);
    s.inventory("east", "d.csv", [`C,5,,,2026-11-20T14:00:00Z`]);
    expect((await s.run()).carts[0]).toMatchObject({ rows: 3, linesChanged: 1 });
    expect(s.latest("shop")).toEqual({ "0001": 7, "0002": 4, "0003": 5 });
    expect((await s.lastSent("shop")).map((r) => [r.code, r.quantity, r.file])).toEqual([
      ["0001", 7, "stock-4.csv"],
      ["0002", 4, "stock-4.csv"],
      ["0003", 5, "stock-4.csv"],
    ]);
  });

  it("of a lost file never count as sent; the file after it writes what changed since the newest set", async () => {
    s = new Scenario({ carts: [{ id: "shop", filename: "stock-{seq}.csv" }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`, `B,4,,,${T}`]);
    await s.run();
    s.write("out/shop/stock-2.csv", "someone else's file\n");
    s.inventory("east", "b.csv", [`A,7,,,2026-11-20T12:00:00Z`]);
    expect((await s.run()).carts[0]).toMatchObject({ action: "failed", linesChanged: 1 });
    rmSync(s.path("work/outbox/acme/shop/stock-2.csv"));
    rmSync(s.path("out/shop/stock-2.csv"));
    await s.run();
    // the lost file changed A to 7; the next one sets A back to 10 and B to 5
    s.inventory("east", "c.csv", [`A,10,,,2026-11-20T13:00:00Z`, `B,5,,,2026-11-20T13:00:00Z`]);
    expect((await s.run()).carts[0]).toMatchObject({ action: "sent", file: "stock-3.csv", linesChanged: 2 });
    expect((await s.lastSent("shop")).map((r) => [r.code, r.quantity, r.file])).toEqual([
      ["A", 10, "stock-3.csv"],
      ["B", 5, "stock-3.csv"],
    ]);
    const diff = await s.read(async (store, config) => {
      const lines = await computeCartLines(store, config.merchants[0].carts[0]);
      try {
        return await lines.diffAgainstLastDelivery();
      } finally {
        await lines.close();
      }
    });
    expect(diff).toMatchObject({ added: [], removed: [], changed: [], unchanged: 2 });
  });
});

describe("--dry-run", () => {
  it("computes what would be sent and changes nothing on disk or in state", async () => {
    s = new Scenario({ carts: [{ id: "shop", orders: true }] });
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    await s.run();
    s.inventory("east", "b.csv", [`A,7,,,2026-11-20T12:00:00Z`, `B,1.5,,,${T}`]);
    s.orders("shop", "o.csv", ["1,1,A,2,2026-11-20T13:00:00Z,open"]);
    const before = snapshotTree(s.dir);
    const state = await s.stateDump();
    const mtime = scenarioStore === "sqlite" ? statSync(s.path("state/stockfeed.sqlite")).mtimeMs : 0;
    const r = await s.run({ dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.carts[0]).toMatchObject({ action: "would-send", reason: "news", preview: [{ code: "A", quantity: 5 }] });
    expect(r.files.map((f) => f.status)).toEqual(["loaded_with_rejects", "loaded"]);
    expect(snapshotTree(s.dir)).toEqual(before);
    expect(await s.stateDump()).toEqual(state);
    if (scenarioStore === "sqlite") expect(statSync(s.path("state/stockfeed.sqlite")).mtimeMs).toBe(mtime);
    // and the real run afterwards does what the dry run said
    const real = await s.run();
    expect(real.carts[0]).toMatchObject({ action: "sent", rows: 1 });
    expect(s.latest("shop")).toEqual({ A: 5 });
  });
  it("on a fresh install creates no state file", async () => {
    s = new Scenario();
    s.inventory("east", "a.csv", [`A,10,,,${T}`]);
    await s.run({ dryRun: true });
    expect(existsSync(s.path("state"))).toBe(false);
    expect(existsSync(s.path("work"))).toBe(false);
    // (a PostgreSQL state: not even the schema is made)
    if (scenarioStore === "postgres") expect(await s.stateDump()).toEqual({});
  });
});

describe("input size: limits per value, line and header, in linear time", () => {
  const withLimits = (s: Scenario, limits: string) => {
    const mapping = s.write(
      "limited.yaml",
      readFileSync(join(ROOT, "mappings/wms/generic-csv.yaml"), "utf8") + `limits: ${limits}\n`,
    );
    s.patch((c: any) => (c.merchants[0].warehouses[0].inventory.mapping = mapping));
  };
  it("a SKU longer than limits.maxCodeLength (255 by default) rejects its line; the rest loads", async () => {
    s = new Scenario();
    const long = "X".repeat(300);
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `${long},5,,,${T}`]);
    const r = await s.run();
    expect(r.files[0]).toMatchObject({ status: "loaded_with_rejects", rowsRejected: 1 });
    expect(r.files[0].rejects[0]).toMatchObject({
      line: 3,
      field: "sku",
      reason: "sku is 300 characters, more than the mapping's limits.maxCodeLength (255)",
    });
    expect(r.files[0].rejects[0].value).toMatch(/^X{200}\.\.\. \(300 characters\)$/);
    expect(s.latest("shop")).toEqual({ A: 10 });
  });
  it("a mapping may set its own limits; a value beyond maxFieldLength rejects its line", async () => {
    s = new Scenario();
    withLimits(s, "{ maxCodeLength: 4, maxFieldLength: 300 }");
    s.inventory("east", "inv.csv", [
      `ABCD,10,,,${T}`,
      `ABCDE,1,,,${T}`,
      `B,2,,${"L".repeat(5)},${T}`,
      `C,3,${"9".repeat(400)},,${T}`,
    ]);
    const r = await s.run();
    expect(r.files[0].rejects.map((e) => [e.line, e.reason.replace(/ \(\d+\)$/, "")])).toEqual([
      [3, "sku is 5 characters, more than the mapping's limits.maxCodeLength"],
      [4, "lot is 5 characters, more than the mapping's limits.maxCodeLength"],
    ]);
    // on hand is shown only: too long is a warning, the line loads (rule 1)
    expect(r.files[0].warnings.map((w) => [w.line, w.reason])).toEqual([
      [5, "onHand is 400 characters, more than the mapping's limits.maxFieldLength (300)"],
    ]);
    expect(s.latest("shop")).toEqual({ ABCD: 10, C: 3 });
  });
  it("a header with no line break beyond the limit is quarantined at once, naming the limit, and kept", async () => {
    s = new Scenario();
    s.write("in/wms/east/huge.csv", "sku,quantity_available," + "h".repeat(20 * 1024 * 1024));
    const started = Date.now();
    const r = await s.run();
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringContaining(
        "the header line is longer than 4194304 characters (the mapping's limits.maxLineLength)",
      ),
    });
    expect(existsSync(r.files[0].storedAt!)).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000); // it took minutes, growing with the square of the size
  });
  it("a header within the line limit but beyond limits.maxHeaderLength is quarantined", async () => {
    s = new Scenario();
    s.write(
      "in/wms/east/wide.csv",
      `sku,quantity_available,${Array.from({ length: 9000 }, (_, i) => `column_${i}`).join(",")}\nA,1\n`,
    );
    const r = await s.run();
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringMatching(
        /the header line \(line 1\) is \d+ characters, more than the mapping's limits\.maxHeaderLength \(65536\)/,
      ),
    });
  });
  it("a data line beyond limits.maxLineLength quarantines the file, naming the line it starts on", async () => {
    s = new Scenario();
    withLimits(s, "{ maxLineLength: 2048 }");
    s.inventory("east", "inv.csv", [`A,10,,,${T}`, `B,"${"q".repeat(5000)}`, `C,1,,,${T}`]);
    const r = await s.run();
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringContaining("line 3 is longer than 2048 characters"),
    });
  });
  it("an X12 segment beyond the line limit quarantines the file", async () => {
    s = new Scenario();
    const mapping = s.write(
      "x12.yaml",
      readFileSync(join(ROOT, "mappings/wms/x12-846.yaml"), "utf8") + "limits: { maxLineLength: 4096 }\n",
    );
    s.patch((c: any) => {
      c.merchants[0].warehouses[0].inventory.mapping = mapping;
      c.merchants[0].warehouses[0].inventory.source.match = "*.x12";
    });
    const sample = readFileSync(join(SAMPLES, "edi/846/west-846-20261120.x12"), "latin1");
    s.write("in/wms/east/big.x12", sample.replace("~LIN*", `~REF*ZZ*${"R".repeat(10_000)}~LIN*`));
    const r = await s.run();
    expect(r.files[0]).toMatchObject({
      status: "failed",
      error: expect.stringContaining("a segment is longer than 4096 characters"),
    });
  });
});
