import { z } from "zod";
import { formats } from "../formats/index.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_OLDEST_AS_OF } from "../domain/as-of.js";
import { parseIso } from "../util/time.js";
import { destinationSchema, sourceSchema } from "../transports/index.js";
import { RESERVED_MERCHANT_IDS } from "../workdir.js";

/** Ids name folders (archive/<merchant>/warehouse/<id>): letters, digits, dot, dash, underscore. */
const id = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    "use letters, digits, '.', '-' and '_' only, starting with a letter or digit (ids name folders)",
  )
  .max(100);

/** Where the 997 acknowledgments (and TA1s) of an X12 feed go, and how the partner wants them. */
const ack = z.strictObject({
  destination: destinationSchema.describe("where the 997s (and TA1s) go"),
  filename: z
    .string()
    .min(1)
    .default("997-{merchant}-{sender}-{receiver}-{control}.x12")
    .describe(
      "{merchant} {source} {sender} {receiver} (the ack's ISA06 and ISA08: us, and the partner it answers) {control} (the ack's ISA13) {timestamp}; {receiver} and {control} are required, so acks to several partners never share a name",
    ),
  interchangeErrors: z
    .enum(["ta1", "997"])
    .default("ta1")
    .describe(
      "an interchange whose envelope is broken is answered with a TA1 (its note code) or with a 997 whose AK9 is R",
    ),
});

/** A place files arrive and the mapping that reads them. */
const feed = z.strictObject({
  source: sourceSchema.describe("where the files are taken from"),
  mapping: z.string().min(1).describe("the mapping file that reads them"),
  ack: ack.optional().describe("X12 feeds: send a 997 for every interchange taken in"),
  pollSeconds: z
    .number()
    .min(1)
    .max(86_400)
    .optional()
    .describe("the daemon polls this source this often (default: 30 s for automatic merchants, else 300 s)"),
});

/** A warehouse's inventory feed: rule 14's bounds on the as-of times its lines carry. */
const inventoryFeed = feed.extend({
  clockSkewSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(DEFAULT_CLOCK_SKEW_SECONDS)
    .describe("how far a line's as-of may be ahead of the moment its file is taken (the WMS clock runs fast)"),
  oldestAsOf: z
    .string()
    .refine((t) => parseIso(t, undefined).ok, "an ISO 8601 date-time with a UTC offset, e.g. 2000-01-01T00:00:00Z")
    .default(DEFAULT_OLDEST_AS_OF)
    .describe("an as-of before this instant (ISO 8601 with offset) cannot be true: the line is rejected"),
});

const warehouse = z.strictObject({
  id: id.describe("the warehouse's id, unique in its merchant; carts name it in warehouse"),
  name: z.string().optional().describe("a display name"),
  snapshot: z
    .enum(["partial", "full"])
    .default("partial")
    .describe("rule 13: partial updates the SKUs listed; full sets SKUs missing from the file to 0"),
  inventory: inventoryFeed.describe("the WMS's inventory files (available and on hand per SKU)"),
  products: feed
    .optional()
    .describe(
      "the WMS's product master (a catalog mapping): name, price, weight, description carried into cart files that ask for them",
    ),
  productOutput: z
    .strictObject({
      mapping: z.string().min(1).describe("a mapping of kind products"),
      destination: destinationSchema.describe("where the product files are delivered"),
      filename: z
        .string()
        .min(1)
        .default("products-{merchant}-{cart}-{timestamp}-{seq}.csv")
        .describe("{merchant} {cart} {warehouse} {timestamp} {seq}"),
    })
    .optional()
    .describe("where product files for this WMS go (product import and product sync from a cart)"),
});

/** Product sync, cart to WMS (seeds/product-sync.txt): only one cart per merchant may have it enabled. */
const productSync = z.strictObject({
  enabled: z.boolean().default(false).describe("on for one cart per merchant at most"),
  downloadUpdates: z
    .boolean()
    .default(false)
    .describe("also send products whose mapped fields changed since they were last sent (else only new ones)"),
  syncPrice: z
    .boolean()
    .default(false)
    .describe("include prices in what is sent (else price columns are left out of the product file)"),
  inventoryLocation: z
    .string()
    .min(1)
    .optional()
    .describe(
      "the warehouse whose WMS receives the products (it needs productOutput); default the only one that has it",
    ),
});

const output = z.strictObject({
  format: z.string().optional().describe("defaults to the mapping's format; when given it must agree with it"),
  mapping: z.string().min(1).describe("a cart mapping (kind cart): its format is the output format"),
  destination: destinationSchema.describe("where the cart's inventory files are delivered"),
  filename: z
    .string()
    .min(1)
    .default("{merchant}-{cart}-{timestamp}.csv")
    .describe("{merchant} {cart} {timestamp} {seq}"),
  // a format's partner envelope under its own key (output.x12), from the format registry
  ...Object.fromEntries(
    Object.values(formats).flatMap((f) =>
      f.envelope ? [[f.envelope.key, f.envelope.schema.optional().describe(f.envelope.description)]] : [],
    ),
  ),
});

/** The settings under `output.<key>` of a cart, for the format whose envelope has that key. */
export function envelopeSettingsOf(output: CartConfig["output"], key: string): unknown {
  return (output as Record<string, unknown>)[key];
}

const cart = z.strictObject({
  id: id.describe("the cart's id, unique in its merchant"),
  name: z.string().optional().describe("a display name"),
  inventoryUpload: z.boolean().default(true).describe("rule 10"),
  warehouse: z.string().min(1).default("all").describe("rule 6: one warehouse id, or all of the merchant's summed"),
  alias: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe("rule 9: push by this alias type instead of the SKU; none to push SKUs"),
  minimumLevel: z.number().int().min(0).default(0).describe("rule 8"),
  buffer: z.number().int().min(0).default(0).describe("rule 15"),
  percent: z.number().int().min(0).max(100).default(100).describe("rule 15: whole percent offered, rounded down"),
  maximum: z.number().int().min(0).nullable().default(null).describe("rule 15: at most this many units, or null"),
  sendAll: z
    .boolean()
    .default(false)
    .describe("rule 4: a file on every run even without news (forced on for formats that demand it)"),
  schedule: z.string().min(1).default("0 * * * *").describe("rule 12: cron; the daemon runs the cart on it"),
  timeZone: z
    .string()
    .min(1)
    .default("UTC")
    .describe("the time zone the schedule is read in (IANA name, e.g. America/New_York)"),
  orders: feed.optional().describe("the cart's order files (rule 2: their quantities are held back until absorbed)"),
  catalog: feed
    .optional()
    .describe("the cart's catalog: its SKUs and whether each tracks inventory (disabled ones are not sent)"),
  productSync: productSync.optional().describe("product sync, cart to WMS: new products reach the warehouses"),
  output: output.describe("the inventory file sent to the cart"),
});

const merchant = z.strictObject({
  id: id
    .refine((v) => !RESERVED_MERCHANT_IDS.includes(v), {
      message: `${RESERVED_MERCHANT_IDS.join(" and ")} are kept for the work folder's own use (outbox/products/, outbox/acks/): choose another merchant id`,
    })
    .describe("the merchant's id, unique in the file; {merchant} in file names (not products or acks)"),
  name: z.string().optional().describe("a display name"),
  inventorySync: z.enum(["on", "off", "automatic"]).default("on").describe("rule 11"),
  aliases: feed.optional().describe("the merchant's alias list: sku, alias type, code"),
  warehouses: z.array(warehouse).min(1).describe("the merchant's warehouses (WMSes), at least one"),
  carts: z.array(cart).default([]).describe("the carts and EDI partners the merchant sells through"),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable's name");

export const configSchema = z.strictObject({
  state: z
    .string()
    .min(1)
    .optional()
    .describe("the SQLite file holding stockfeed's state, or a postgres:// URL without a password"),
  stateUrlEnv: envName.optional().describe("the environment variable holding the state's postgres:// URL"),
  statePasswordEnv: envName
    .optional()
    .describe("the environment variable holding the PostgreSQL password (default: PostgreSQL's PGPASSWORD)"),
  workDir: z.string().min(1).describe("archive/, quarantine/, spool/ and outbox/ live here"),
  merchants: z.array(merchant).min(1).describe("one or more merchants, each with its own warehouses and carts"),
});

export type Config = z.output<typeof configSchema>;
export type MerchantConfig = Config["merchants"][number];
export type WarehouseConfig = MerchantConfig["warehouses"][number];
export type CartConfig = MerchantConfig["carts"][number];
export type FeedConfig = z.output<typeof feed>;
export type InventoryFeedConfig = z.output<typeof inventoryFeed>;
