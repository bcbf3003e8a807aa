/**
 * Schema migrations, applied in order; PRAGMA user_version records how far a database is.
 * Times are epoch milliseconds UTC. PostgreSQL's schema (postgres/schema.ts) is this one as of
 * version 11; every migration after it is written in both lists.
 */
export const migrations: string[] = [
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    status TEXT NOT NULL,              -- running | ok | with_problems | failed
    summary TEXT                       -- JSON of what the run did
  );

  -- the ledger: every file taken, once
  CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    source TEXT NOT NULL,              -- merchant/kind/owner
    kind TEXT NOT NULL,                -- inventory | orders | catalog | aliases
    merchant TEXT NOT NULL,
    warehouse TEXT,
    cart TEXT,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    mtime INTEGER NOT NULL,
    taken_at INTEGER NOT NULL,
    status TEXT NOT NULL,              -- loaded | loaded_with_rejects | failed | duplicate
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_loaded INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_stale INTEGER NOT NULL DEFAULT 0,
    rows_zeroed INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 0, -- inventory levels this file changed (rule 4's "news")
    as_of INTEGER,
    error TEXT,
    stored_at TEXT                     -- archive or quarantine path
  );
  CREATE UNIQUE INDEX files_once ON files(source, sha256) WHERE status IN ('loaded', 'loaded_with_rejects');
  CREATE INDEX files_by_warehouse ON files(merchant, kind, warehouse, id);

  CREATE TABLE rejects (
    file_id INTEGER NOT NULL REFERENCES files(id),
    line INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT NOT NULL,
    sku TEXT
  );
  CREATE INDEX rejects_by_sku ON rejects(sku) WHERE sku IS NOT NULL;
  CREATE INDEX rejects_by_file ON rejects(file_id);

  CREATE TABLE products (
    merchant TEXT NOT NULL,
    sku TEXT NOT NULL,
    PRIMARY KEY (merchant, sku)
  ) WITHOUT ROWID;

  -- the current level per warehouse and SKU (rule 14: only a newer as-of replaces it)
  CREATE TABLE inventory (
    merchant TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL,
    available INTEGER NOT NULL,
    on_hand INTEGER,
    as_of INTEGER NOT NULL,
    loaded_at INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    line INTEGER,                      -- first line of the SKU in that file; NULL when zeroed by a full snapshot
    PRIMARY KEY (merchant, warehouse, sku)
  ) WITHOUT ROWID;
  CREATE INDEX inventory_by_sku ON inventory(merchant, sku);

  -- levels that did not become current: stale (rule 14)
  CREATE TABLE inventory_history (
    file_id INTEGER NOT NULL,
    merchant TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL,
    available INTEGER NOT NULL,
    on_hand INTEGER,
    as_of INTEGER NOT NULL,
    line INTEGER,
    reason TEXT NOT NULL
  );
  CREATE INDEX inventory_history_by_sku ON inventory_history(merchant, sku);

  CREATE TABLE orders (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    order_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    ordered_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    file_id INTEGER NOT NULL,          -- the file that last set it
    file_line INTEGER NOT NULL,
    times_seen INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (merchant, cart, order_id, line)
  ) WITHOUT ROWID;
  CREATE INDEX orders_by_time ON orders(merchant, ordered_at);
  CREATE INDEX orders_by_sku ON orders(merchant, sku);

  CREATE TABLE aliases (
    merchant TEXT NOT NULL,
    sku TEXT NOT NULL,
    alias_type TEXT NOT NULL,
    code TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (merchant, alias_type, code, sku)
  ) WITHOUT ROWID;
  CREATE INDEX aliases_by_sku ON aliases(merchant, sku, alias_type);
  CREATE INDEX aliases_by_code ON aliases(merchant, code);

  CREATE TABLE catalog (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    sku TEXT NOT NULL,                 -- the code the cart knows
    inventory_enabled INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (merchant, cart, sku)
  ) WITHOUT ROWID;

  CREATE TABLE cart_syncs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    synced_at INTEGER NOT NULL,
    status TEXT NOT NULL,              -- delivered | failed
    reason TEXT NOT NULL,              -- news | send-all | first-sync | settings-changed
    file_name TEXT,
    location TEXT,
    rows INTEGER NOT NULL DEFAULT 0,
    units INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    inventory_file_id INTEGER,         -- newest inventory file reflected (rule 4)
    settings_hash TEXT,
    error TEXT
  );
  CREATE INDEX cart_syncs_by_cart ON cart_syncs(merchant, cart, id);

  CREATE TABLE cart_state (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,    -- {seq} of the file name, per cart
    last_sync_id INTEGER,
    PRIMARY KEY (merchant, cart)
  ) WITHOUT ROWID;

  -- View Product Sync: when each cart code was last included in a delivered file
  CREATE TABLE sku_sync (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    code TEXT NOT NULL,
    sku TEXT NOT NULL,
    sync_id INTEGER NOT NULL,
    synced_at INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    PRIMARY KEY (merchant, cart, code)
  ) WITHOUT ROWID;

  -- products a sync left out, and why (no alias, duplicate alias, inventory disabled)
  CREATE TABLE sync_skipped (
    sync_id INTEGER NOT NULL,
    sku TEXT NOT NULL,
    code TEXT,
    reason TEXT NOT NULL
  );
  CREATE INDEX sync_skipped_by_sync ON sync_skipped(sync_id);
  `,
  `
  -- X12 control numbers per partner (our ISA sender -> their ISA receiver): the last used
  CREATE TABLE x12_control (
    partner TEXT PRIMARY KEY,
    isa INTEGER NOT NULL,
    gs INTEGER NOT NULL,
    st INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- X12 interchanges received: one sender's control number is loaded once (TA1 note 025)
  CREATE TABLE x12_received (
    sender TEXT NOT NULL,              -- ISA05/ISA06 of the partner
    receiver TEXT NOT NULL,            -- ISA07/ISA08
    control TEXT NOT NULL,             -- ISA13
    file_id INTEGER NOT NULL REFERENCES files(id),
    PRIMARY KEY (sender, receiver, control)
  ) WITHOUT ROWID;

  -- acknowledgments (997/TA1) to send: written with the load that caused them, sent after
  CREATE TABLE acks (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id),
    source TEXT NOT NULL,              -- the feed whose config says where acks go
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    location TEXT,
    error TEXT
  );
  CREATE INDEX acks_pending ON acks(source, delivered_at);
  `,
  `
  -- what earlier listings showed of each source's files: a file is complete once two
  -- listings stableSeconds apart agree on its size and mtime (server times, never our clock)
  CREATE TABLE source_listing (
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,          -- our clock, when this size and mtime were first seen
    PRIMARY KEY (source, path)
  ) WITHOUT ROWID;

  -- a file is taken once: by source, path, size and server mtime (then sha256)
  CREATE INDEX files_by_identity ON files(source, name, size, mtime);

  -- cart files are rendered (status pending), then delivered; until then they wait in the
  -- outbox and are retried as they are, never regenerated
  ALTER TABLE cart_syncs ADD COLUMN outbox_path TEXT;
  ALTER TABLE cart_syncs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE outbox_lines (
    sync_id INTEGER NOT NULL REFERENCES cart_syncs(id),
    code TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL
  );
  CREATE INDEX outbox_lines_by_sync ON outbox_lines(sync_id);
  CREATE INDEX cart_syncs_pending ON cart_syncs(status) WHERE status = 'pending';
  `,
  `
  -- product sync (cart to WMS): each catalog product's canonical fields, as JSON
  ALTER TABLE catalog ADD COLUMN product TEXT;

  -- a WMS's product master (warehouse products feed): details carried into cart files
  CREATE TABLE warehouse_products (
    merchant TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL,
    product TEXT NOT NULL,             -- canonical fields, JSON
    file_id INTEGER NOT NULL REFERENCES files(id),
    PRIMARY KEY (merchant, warehouse, sku)
  ) WITHOUT ROWID;

  -- product files for a WMS: rendered into the outbox with the products they send recorded
  -- in the same transaction, then delivered (retried until they are)
  CREATE TABLE product_files (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    mode TEXT NOT NULL,                -- import | sync
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | lost (outbox file gone: its products are sent again)
    name TEXT NOT NULL,
    outbox_path TEXT NOT NULL,
    products INTEGER NOT NULL,
    new_products INTEGER NOT NULL,
    updated_products INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    location TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT
  );
  CREATE INDEX product_files_pending ON product_files(merchant, warehouse) WHERE status = 'pending';

  -- what each WMS was last sent of each product: the content hash decides "changed"
  CREATE TABLE product_sent (
    merchant TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    sku TEXT NOT NULL,
    hash TEXT NOT NULL,
    product_file_id INTEGER NOT NULL REFERENCES product_files(id),
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (merchant, warehouse, sku)
  ) WITHOUT ROWID;

  -- the products-per-cart seq of product file names
  CREATE TABLE product_seq (
    merchant TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (merchant, warehouse)
  ) WITHOUT ROWID;
  `,
  `
  -- what each cart was sent, one row per code, written once per file as it is rendered (in
  -- the render's transaction): sku/sync_id/quantity from the newest file that carried the code,
  -- prev_* from the newest delivered one before it. Which of the two is "last sent" follows from
  -- the files' status, so delivering a file is one status update, not a million row updates,
  -- and a file lost from the outbox falls back to prev_* by itself. sync_id names a line set:
  -- a send-all file that repeats the last one's lines unchanged (nothing loaded since) is sent
  -- with the same lines_set and writes no lines at all.
  ALTER TABLE cart_syncs ADD COLUMN lines_set INTEGER;
  ALTER TABLE cart_syncs ADD COLUMN state_at INTEGER;     -- the merchant's newest files.id when its lines were computed
  ALTER TABLE cart_syncs ADD COLUMN skipped_by TEXT;      -- products left out by reason, JSON
  UPDATE cart_syncs SET lines_set = id;
  CREATE INDEX cart_syncs_by_lines ON cart_syncs(lines_set, status, id);
  CREATE TABLE cart_lines (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    code TEXT NOT NULL,
    sku TEXT,                          -- NULL when it is the code (a cart by SKU): less to write
    sync_id INTEGER NOT NULL,          -- the line set (cart_syncs.lines_set)
    quantity INTEGER NOT NULL,
    prev_sku TEXT,
    prev_sync_id INTEGER,
    prev_quantity INTEGER,
    PRIMARY KEY (merchant, cart, code)
  ) WITHOUT ROWID;
  INSERT INTO cart_lines (merchant, cart, code, sku, sync_id, quantity) SELECT merchant, cart, code, NULLIF(sku, code), sync_id, quantity FROM sku_sync;
  INSERT INTO cart_lines (merchant, cart, code, sku, sync_id, quantity)
    SELECT c.merchant, c.cart, o.code, NULLIF(o.sku, o.code), o.sync_id, o.quantity FROM outbox_lines o JOIN cart_syncs c ON c.id = o.sync_id WHERE c.status = 'pending' AND true
    ON CONFLICT (merchant, cart, code) DO UPDATE SET prev_sku = sku, prev_sync_id = sync_id, prev_quantity = quantity,
      sku = excluded.sku, sync_id = excluded.sync_id, quantity = excluded.quantity;
  DROP TABLE sku_sync;
  DROP TABLE outbox_lines;

  -- View Product Sync: the last delivered file that carried each cart code, and its level
  CREATE VIEW sku_sync AS
    SELECT r.merchant, r.cart, r.code, r.sku, r.sync_id, y.synced_at, r.quantity FROM (
      SELECT d.merchant, d.cart, d.code,
             COALESCE(CASE WHEN d.cur IS NOT NULL THEN d.sku ELSE d.prev_sku END, d.code) AS sku,
             CASE WHEN d.cur IS NOT NULL THEN d.cur
                  ELSE (SELECT MAX(p.id) FROM cart_syncs p WHERE p.lines_set = d.prev_sync_id AND p.status = 'delivered') END AS sync_id,
             CASE WHEN d.cur IS NOT NULL THEN d.quantity ELSE d.prev_quantity END AS quantity
      FROM (SELECT l.*, (SELECT MAX(s.id) FROM cart_syncs s WHERE s.lines_set = l.sync_id AND s.status = 'delivered') AS cur FROM cart_lines l) d
    ) r JOIN cart_syncs y ON y.id = r.sync_id;

  -- per file, only the lines its format could not carry are kept: the other reasons a product
  -- is left out (no alias, duplicate alias, inventory disabled) are recomputed by explain, and
  -- a million "no alias" rows per file would grow without end
  DELETE FROM sync_skipped WHERE reason <> 'unsendable';
  `,
  `
  -- a line's problems: a reject (the line did not load) or a warning (it loaded; rule 1: a bad
  -- on-hand value); order files name the order beside the line
  ALTER TABLE rejects ADD COLUMN severity TEXT NOT NULL DEFAULT 'reject';
  ALTER TABLE rejects ADD COLUMN order_id TEXT;
  ALTER TABLE files ADD COLUMN rows_warned INTEGER NOT NULL DEFAULT 0;
  -- a send-all cart's kept copy is sent again only while it has the bytes rendered
  ALTER TABLE cart_syncs ADD COLUMN sha256 TEXT;
  -- an unsendable line's reason, as the writer gave it (the character the format cannot carry)
  ALTER TABLE sync_skipped ADD COLUMN detail TEXT;
  CREATE INDEX cart_syncs_by_status ON cart_syncs(merchant, cart, status, lines_set, id);
  -- when a cart file was published (synced_at is when it was made: a file may wait in the outbox)
  ALTER TABLE cart_syncs ADD COLUMN delivered_at INTEGER;
  `,
  `
  -- the outbox, one ledger shape over its three kinds of file (cart files, product files for a
  -- WMS, acknowledgments): each waits (pending) until delivered; a failed attempt keeps it
  -- pending with its error; a file gone from the outbox is lost (what it carried goes in a new
  -- one). A cart's failed render leaves no file, so it is not in the outbox.
  ALTER TABLE acks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  UPDATE acks SET attempts = 1 WHERE delivered_at IS NOT NULL OR error IS NOT NULL;
  CREATE VIEW outbox_files AS
    SELECT 'cart' AS kind, merchant, cart AS owner, id, file_name AS name,
           CASE status WHEN 'failed' THEN 'lost' ELSE status END AS status,
           attempts, synced_at AS made_at, delivered_at, location, error
      FROM cart_syncs WHERE outbox_path IS NOT NULL
    UNION ALL
    SELECT 'products', merchant, warehouse, id, name, status, attempts, created_at, delivered_at, location, error
      FROM product_files
    UNION ALL
    SELECT 'ack', f.merchant, a.source, a.id, a.name, CASE WHEN a.delivered_at IS NULL THEN 'pending' ELSE 'delivered' END,
           a.attempts, a.created_at, a.delivered_at, a.location, a.error
      FROM acks a JOIN files f ON f.id = a.file_id;
  `,
  `
  -- what each cart was sent, as versions of its lines: a row is a code's line (sku, quantity,
  -- and available/as_of where the cart's file carries them) from the file whose line set is
  -- from_set until, not including, to_set (NULL: still carried). A file's line set S is every
  -- row with from_set <= S < to_set, so a file writes only the lines that differ from the file
  -- before it, not every line it carries. A closed row was carried by a delivered file (the
  -- lines of a lost file are dropped when their code changes again), so the last sent line of
  -- a code is its newest row at or before the cart's last delivered set.
  CREATE TABLE cart_line_versions (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    code TEXT NOT NULL,
    from_set INTEGER NOT NULL,
    to_set INTEGER,
    sku TEXT,                          -- NULL when it is the code (a cart by SKU)
    quantity INTEGER NOT NULL,
    available INTEGER,                 -- only where the cart's file carries it
    as_of INTEGER,                     -- the same
    PRIMARY KEY (merchant, cart, code, from_set)
  ) WITHOUT ROWID;
  -- a code's newest row was carried by every line set since its sync_id, up to the cart's next
  -- set when a newer set left it out; prev_* was carried from prev_sync_id until sync_id
  INSERT INTO cart_line_versions (merchant, cart, code, from_set, to_set, sku, quantity)
    SELECT l.merchant, l.cart, l.code, l.sync_id,
      (SELECT MIN(s.id) FROM cart_syncs s WHERE s.merchant = l.merchant AND s.cart = l.cart AND s.lines_set = s.id
         AND s.id > l.sync_id),
      l.sku, l.quantity
    FROM cart_lines l;
  INSERT OR IGNORE INTO cart_line_versions (merchant, cart, code, from_set, to_set, sku, quantity)
    SELECT merchant, cart, code, prev_sync_id, sync_id, prev_sku, prev_quantity FROM cart_lines
    WHERE prev_sync_id IS NOT NULL;
  -- the lines a rendered file changed against the file before it (NULL: recorded by an older
  -- stockfeed, which wrote every line); a file compares only the lines whose inputs changed since
  -- the file before it (state_at), found through these indexes
  ALTER TABLE cart_syncs ADD COLUMN lines_changed INTEGER;
  CREATE INDEX inventory_by_file ON inventory(merchant, file_id);
  CREATE INDEX orders_by_file ON orders(merchant, file_id);
  DROP VIEW sku_sync;
  DROP TABLE cart_lines;
  ALTER TABLE cart_line_versions RENAME TO cart_lines;

  -- View Product Sync: the last delivered file that carried each cart code, and its level
  CREATE VIEW sku_sync AS
    SELECT l.merchant, l.cart, l.code, COALESCE(l.sku, l.code) AS sku, y.id AS sync_id, y.synced_at, l.quantity
    FROM cart_state cs JOIN cart_syncs d ON d.id = cs.last_sync_id
    JOIN cart_lines l ON l.merchant = cs.merchant AND l.cart = cs.cart
      AND l.from_set = (SELECT MAX(x.from_set) FROM cart_lines x WHERE x.merchant = l.merchant AND x.cart = l.cart
                          AND x.code = l.code AND x.from_set <= d.lines_set)
    JOIN cart_syncs y ON y.id = CASE WHEN l.to_set IS NULL OR l.to_set > d.lines_set THEN d.id
      ELSE (SELECT s.id FROM cart_syncs s WHERE s.merchant = l.merchant AND s.cart = l.cart AND s.status = 'delivered'
              AND s.lines_set >= l.from_set AND s.lines_set < l.to_set ORDER BY s.lines_set DESC, s.id DESC LIMIT 1)
      END;
  `,
  `
  -- an order line a later file gives another SKU (a corrected line): the SKU it no longer
  -- counts against, with the file that moved it; a cart file compares the lines of the SKUs
  -- whose orders changed since its previous one, and that SKU's orders changed too
  CREATE TABLE order_moves (
    merchant TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    sku TEXT NOT NULL
  );
  CREATE INDEX order_moves_by_file ON order_moves(merchant, file_id);
  `,
  `
  -- the file that first gave a warehouse a level of the SKU (kept when later files update it):
  -- a cart file computed from the SKUs changed since the one before tells a SKU new to its
  -- warehouses (which adds to the products left out) from one updated. Rows loaded before this
  -- version count as first given by the file that last wrote them; only files recorded from
  -- now on (with their skipped_examples) are computed from the changes.
  ALTER TABLE inventory ADD COLUMN first_file_id INTEGER;
  UPDATE inventory SET first_file_id = file_id;
  -- the first products left out per reason (JSON, the report's examples): the next file's are
  -- the first of these and of the products new to the cart
  ALTER TABLE cart_syncs ADD COLUMN skipped_examples TEXT;
  `,
  `
  -- the rows of cart_lines written since they were last folded into it, in a table of their own:
  -- a file that changes 1% of a million lines at random codes would otherwise rewrite half the
  -- pages of the code-ordered table. A code's open row in cart_lines is copied here (copied = 1)
  -- before it is closed, so a row here hides the row of cart_lines with the same key; the rows
  -- are folded into cart_lines once they are more than a share of the cart's lines.
  CREATE TABLE cart_line_changes (
    merchant TEXT NOT NULL,
    cart TEXT NOT NULL,
    code TEXT NOT NULL,
    from_set INTEGER NOT NULL,
    to_set INTEGER,
    sku TEXT,
    quantity INTEGER NOT NULL,
    available INTEGER,
    as_of INTEGER,
    copied INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (merchant, cart, code, from_set)
  ) WITHOUT ROWID;
  -- the rows of both, as one (for lookups by key: a join on a code is not pushed into it)
  CREATE VIEW cart_lines_all AS
    SELECT merchant, cart, code, from_set, to_set, sku, quantity, available, as_of FROM cart_line_changes
    UNION ALL
    SELECT b.merchant, b.cart, b.code, b.from_set, b.to_set, b.sku, b.quantity, b.available, b.as_of
    FROM cart_lines b WHERE NOT EXISTS (SELECT 1 FROM cart_line_changes c
      WHERE c.merchant = b.merchant AND c.cart = b.cart AND c.code = b.code AND c.from_set = b.from_set);
  DROP VIEW sku_sync;
  -- View Product Sync: the last delivered file that carried each cart code, and its level
  -- (read by merchant, cart and code)
  CREATE VIEW sku_sync AS
    SELECT l.merchant, l.cart, l.code, COALESCE(l.sku, l.code) AS sku, y.id AS sync_id, y.synced_at, l.quantity
    FROM cart_state cs JOIN cart_syncs d ON d.id = cs.last_sync_id
    JOIN cart_lines_all l ON l.merchant = cs.merchant AND l.cart = cs.cart
      AND l.from_set = (SELECT MAX(f) FROM (
        SELECT MAX(x.from_set) AS f FROM cart_lines x WHERE x.merchant = l.merchant AND x.cart = l.cart
          AND x.code = l.code AND x.from_set <= d.lines_set
        UNION ALL
        SELECT MAX(x.from_set) FROM cart_line_changes x WHERE x.merchant = l.merchant AND x.cart = l.cart
          AND x.code = l.code AND x.from_set <= d.lines_set))
    JOIN cart_syncs y ON y.id = CASE WHEN l.to_set IS NULL OR l.to_set > d.lines_set THEN d.id
      ELSE (SELECT s.id FROM cart_syncs s WHERE s.merchant = l.merchant AND s.cart = l.cart AND s.status = 'delivered'
              AND s.lines_set >= l.from_set AND s.lines_set < l.to_set ORDER BY s.lines_set DESC, s.id DESC LIMIT 1)
      END;
  `,
  `
  -- a file's rejects read back in line order a page at a time (keyset: line, then the order written)
  CREATE INDEX rejects_in_order ON rejects(file_id, line);
  DROP INDEX rejects_by_file;
  `,
  `
  -- the deployment a state belongs to: workers on several machines check that they share its
  -- work folder (a marker file there carries the same id)
  CREATE TABLE deployment (
    id TEXT PRIMARY KEY,
    work_dir TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
  );
  `,
];
