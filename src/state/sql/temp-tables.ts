import type { Dialect, SqlSession } from "./session.js";

/** Gives the planner a filled temporary table's statistics, where the store needs them (PostgreSQL). */
export async function analyzeTemp(sql: SqlSession, table: string): Promise<void> {
  const statement = sql.dialect.analyze(table);
  if (statement) await sql.exec(statement);
}

/**
 * The temporary tables every session of a store works in (its own, per connection): a file's
 * staged lines while it loads, and a cart's computation while its file is made. Written once
 * for both dialects: `keyed` tables are SQLite's WITHOUT ROWID, text compares byte by byte.
 */
export function sessionTables(d: Dialect): string {
  const t = d.text;
  return `
    CREATE TEMP TABLE stage_inventory (sku ${t} NOT NULL, available BIGINT NOT NULL, on_hand BIGINT,
       as_of BIGINT NOT NULL, written_as_of BIGINT, line BIGINT NOT NULL);
    -- SKUs named by a rejected line of the file being loaded, with the first such line
    -- (why: 'rejected', or 'sum' where its lines add up beyond the bound)
    CREATE TEMP TABLE stage_seen (sku ${t} PRIMARY KEY, line BIGINT NOT NULL,
       why ${t} NOT NULL DEFAULT 'rejected') ${d.keyed};
    -- the staged lines of one SKU summed (rule 2's lots)
    CREATE TEMP TABLE stage_sum (sku ${t} PRIMARY KEY, available BIGINT NOT NULL, on_hand BIGINT,
       as_of BIGINT NOT NULL, line BIGINT NOT NULL) ${d.keyed};
    CREATE TEMP TABLE stage_orders (${d.rowNumber} order_id ${t}, line BIGINT, sku ${t}, quantity BIGINT,
       ordered_at BIGINT, status ${t}, file_line BIGINT, replace BIGINT NOT NULL DEFAULT 0);
    CREATE TEMP TABLE cart_orders (sku ${t} PRIMARY KEY, quantity BIGINT NOT NULL) ${d.keyed};
    -- lines the cart's format could not carry (found while writing the file)
    CREATE TEMP TABLE cart_unsendable (code ${t} NOT NULL, sku ${t} NOT NULL, detail ${t},
       PRIMARY KEY (code, sku)) ${d.keyed};
    -- the lines a cart file changes against the cart's previous one (gone: no longer carried; had: it had one)
    CREATE TEMP TABLE cart_delta (code ${t} PRIMARY KEY, sku ${t}, quantity BIGINT, available BIGINT,
       as_of BIGINT, gone BIGINT NOT NULL, had BIGINT NOT NULL, was BIGINT) ${d.keyed};
    -- the open rows (the newest recorded line set's lines) of cart_lines and cart_line_changes, as one
    CREATE TEMP TABLE cart_open (code ${t} PRIMARY KEY, sku ${t}, quantity BIGINT NOT NULL, available BIGINT,
       as_of BIGINT) ${d.keyed};
    -- the codes whose inputs changed since the cart's previous file
    CREATE TEMP TABLE cart_changed (code ${t} PRIMARY KEY) ${d.keyed};
    -- their products (the SKUs whose levels or orders changed)
    CREATE TEMP TABLE cart_changed_skus (sku ${t} PRIMARY KEY) ${d.keyed};
  `;
}
