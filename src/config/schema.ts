import { z } from "zod";
import { x12EnvelopeSchema } from "../formats/x12/interchange.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_OLDEST_AS_OF } from "../domain/as-of.js";
import { parseIso } from "../util/time.js";
import { destinationSchema, sourceSchema } from "../transports/index.js";

/** Ids name folders (archive/<merchant>/warehouse/<id>): letters, digits, dot, dash, underscore. */
const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '-' and '_' only, starting with a letter or digit (ids name folders)")
  .max(100);

/** Where the 997 acknowledgments (and TA1s) of an X12 feed go, and how the partner wants them. */
const ack = z.strictObject({
  destination: destinationSchema,
  /**
   * {merchant} {source} {sender} {receiver} (the ack's ISA06 and ISA08: us, and the partner it
   * answers) {control} (the ack's ISA13) {timestamp}; {receiver} and {control} are required, so
   * acks to several partners never share a name
   */
  filename: z.string().min(1).default("997-{merchant}-{sender}-{receiver}-{control}.x12"),
  /** an interchange whose envelope is broken is answered with a TA1 (its note code) or with a 997 whose AK9 is R */
  interchangeErrors: z.enum(["ta1", "997"]).default("ta1"),
});

/** A place files arrive and the mapping that reads them. */
const feed = z.strictObject({
  source: sourceSchema,
  mapping: z.string().min(1),
  /** X12 feeds: send a 997 for every interchange taken in */
  ack: ack.optional(),
  /** the daemon polls this source this often (default: 30 s for automatic merchants, else 300 s) */
  pollSeconds: z.number().min(1).max(86_400).optional(),
});

/** A warehouse's inventory feed: rule 14's bounds on the as-of times its lines carry. */
const inventoryFeed = feed.extend({
  /** how far a line's as-of may be ahead of the moment its file is taken (the WMS clock runs fast) */
  clockSkewSeconds: z.number().int().min(0).max(86_400).default(DEFAULT_CLOCK_SKEW_SECONDS),
  /** an as-of before this instant (ISO 8601 with offset) cannot be true: the line is rejected */
  oldestAsOf: z
    .string()
    .refine((t) => parseIso(t, undefined).ok, "an ISO 8601 date-time with a UTC offset, e.g. 2000-01-01T00:00:00Z")
    .default(DEFAULT_OLDEST_AS_OF),
});

const warehouse = z.strictObject({
  id,
  name: z.string().optional(),
  /** rule 13: partial updates the SKUs listed; full sets SKUs missing from the file to 0 */
  snapshot: z.enum(["partial", "full"]).default("partial"),
  inventory: inventoryFeed,
  /** the WMS's product master (a catalog mapping): name, price, weight, description carried into cart files that ask for them */
  products: feed.optional(),
  /** where product files for this WMS go (product import and product sync from a cart) */
  productOutput: z
    .strictObject({
      /** a mapping of kind products */
      mapping: z.string().min(1),
      destination: destinationSchema,
      /** {merchant} {cart} {warehouse} {timestamp} {seq} */
      filename: z.string().min(1).default("products-{merchant}-{cart}-{timestamp}-{seq}.csv"),
    })
    .optional(),
});

/** Product sync, cart to WMS (seeds/product-sync.txt): only one cart per merchant may have it enabled. */
const productSync = z.strictObject({
  enabled: z.boolean().default(false),
  /** also send products whose mapped fields changed since they were last sent (else only new ones) */
  downloadUpdates: z.boolean().default(false),
  /** include prices in what is sent (else price columns are left out of the product file) */
  syncPrice: z.boolean().default(false),
  /** the warehouse whose WMS receives the products (it needs productOutput); default the only one that has it */
  inventoryLocation: z.string().min(1).optional(),
});

const output = z.strictObject({
  /** defaults to the mapping's format; when given it must agree with it */
  format: z.string().optional(),
  mapping: z.string().min(1),
  destination: destinationSchema,
  /** {merchant} {cart} {timestamp} {seq} */
  filename: z.string().min(1).default("{merchant}-{cart}-{timestamp}.csv"),
  /** X12 outputs: the partner's envelope (ids, qualifiers, version, delimiters, character set) */
  x12: x12EnvelopeSchema.optional(),
});

const cart = z.strictObject({
  id,
  name: z.string().optional(),
  /** rule 10 */
  inventoryUpload: z.boolean().default(true),
  /** rule 6: one warehouse id, or all of the merchant's summed */
  warehouse: z.string().min(1).default("all"),
  /** rule 9: push by this alias type instead of the SKU; none to push SKUs */
  alias: z.string().min(1).nullable().default(null),
  /** rule 8 */
  minimumLevel: z.number().int().min(0).default(0),
  /** rule 15 */
  buffer: z.number().int().min(0).default(0),
  percent: z.number().int().min(0).max(100).default(100),
  maximum: z.number().int().min(0).nullable().default(null),
  /** rule 4: a file on every run even without news (forced on for formats that demand it) */
  sendAll: z.boolean().default(false),
  /** rule 12: cron; the daemon runs the cart on it */
  schedule: z.string().min(1).default("0 * * * *"),
  /** the time zone the schedule is read in (IANA name, e.g. America/New_York) */
  timeZone: z.string().min(1).default("UTC"),
  orders: feed.optional(),
  catalog: feed.optional(),
  productSync: productSync.optional(),
  output,
});

const merchant = z.strictObject({
  id,
  name: z.string().optional(),
  /** rule 11 */
  inventorySync: z.enum(["on", "off", "automatic"]).default("on"),
  /** the merchant's alias list: sku, alias type, code */
  aliases: feed.optional(),
  warehouses: z.array(warehouse).min(1),
  carts: z.array(cart).default([]),
});

export const configSchema = z.strictObject({
  /** SQLite file holding stockfeed's state */
  state: z.string().min(1),
  /** archive/, quarantine/, spool/ and outbox/ live here */
  workDir: z.string().min(1),
  merchants: z.array(merchant).min(1),
});

export type Config = z.output<typeof configSchema>;
export type MerchantConfig = Config["merchants"][number];
export type WarehouseConfig = MerchantConfig["warehouses"][number];
export type CartConfig = MerchantConfig["carts"][number];
export type FeedConfig = z.output<typeof feed>;
export type InventoryFeedConfig = z.output<typeof inventoryFeed>;
