/**
 * The canonical records every input format is mapped into, field by field. A mapping file
 * names, for each canonical field, where its value comes from; the type and whether it is
 * required are fixed here, so every mapping of a kind produces the same record.
 */
export type FieldType = "string" | "integer" | "decimal" | "list" | "datetime" | "boolean" | "orderStatus";

/** Units a measure can be written in; a canonical measure field has one, a mapping says its column's. */
export const UNITS = {
  lb: { dimension: "weight", inBase: 453.59237 },
  oz: { dimension: "weight", inBase: 28.349523125 },
  kg: { dimension: "weight", inBase: 1000 },
  g: { dimension: "weight", inBase: 1 },
  in: { dimension: "length", inBase: 25.4 },
  ft: { dimension: "length", inBase: 304.8 },
  cm: { dimension: "length", inBase: 10 },
  mm: { dimension: "length", inBase: 1 },
  m: { dimension: "length", inBase: 1000 },
} as const;

export type Unit = keyof typeof UNITS;

export interface CanonicalField {
  type: FieldType;
  required?: boolean;
  /** smallest accepted integer */
  min?: number;
  /** decimal measures: the unit the canonical value is in */
  unit?: Unit;
  /** shown only, never drives a level: a bad value is a warning on its line, which still loads (rule 1) */
  advisory?: boolean;
  /** a code (SKU, alias code, id): held to the mapping's limits.maxCodeLength */
  code?: boolean;
  description: string;
}

const measure = (unit: Unit, what: string) => ({ type: "decimal", unit, description: `${what}, in ${unit}` }) as const;

/**
 * A product as a cart's catalog (or a WMS's product master) describes it: the canonical
 * product fields of seeds/product-sync.txt, one record per sellable SKU (a variant).
 */
const PRODUCT_FIELDS = {
  sku: {
    type: "string",
    required: true,
    code: true,
    description: "the code the cart knows (its SKU); a product without one is reported and skipped",
  },
  inventoryEnabled: { type: "boolean", description: "whether the cart tracks inventory for it (default yes)" },
  name: { type: "string", description: "product name (title)" },
  description: { type: "string", description: "long description (HTML kept as it is)" },
  descriptionShort: { type: "string", description: "short description" },
  productId: { type: "string", code: true, description: "the channel's product (listing, parent) id" },
  productVariantId: {
    type: "string",
    code: true,
    description: "the channel's variant id (Amazon ASIN, Shopify inventory item, Etsy product id)",
  },
  parentId: { type: "string", code: true, description: "the product id of the parent a variant belongs to" },
  upc: { type: "string", code: true, description: "UPC/EAN/GTIN barcode" },
  asin: { type: "string", code: true, description: "Amazon ASIN" },
  quantity: {
    type: "integer",
    advisory: true,
    description: "the channel's own stock figure (shown, never used as a level)",
  },
  retailPrice: { type: "decimal", description: "selling price (sent only with productSync.syncPrice)" },
  regularPrice: { type: "decimal", description: "list price before a sale (sent only with productSync.syncPrice)" },
  weightLbs: measure("lb", "weight"),
  weightKg: measure("kg", "weight"),
  lengthIn: measure("in", "length"),
  widthIn: measure("in", "width"),
  heightIn: measure("in", "height"),
  lengthCm: measure("cm", "length"),
  widthCm: measure("cm", "width"),
  heightCm: measure("cm", "height"),
  tags: { type: "list", description: "tags" },
  categories: { type: "list", description: "categories (paths such as Clothing > Hoodies)" },
  imageUrls: { type: "list", description: "image URLs, main image first" },
  status: { type: "string", description: "the channel's status (active, draft, publish...)" },
  productType: { type: "string", description: "product type (Shopify Type, WooCommerce type, Etsy listing type)" },
  vendor: { type: "string", description: "vendor / brand" },
  allowBackorders: { type: "boolean", description: "whether the channel sells it when out of stock (written Y/N)" },
  attributeNames: { type: "list", description: "option/attribute names (Color, Size)" },
  attributeValues: { type: "list", description: "the variant's value of each attribute, in the same order" },
} as const satisfies Record<string, CanonicalField>;

/** Product fields holding a price: left out of product files unless productSync.syncPrice. */
export const PRICE_FIELDS: ReadonlyArray<keyof typeof PRODUCT_FIELDS> = ["retailPrice", "regularPrice"];

export { PRODUCT_FIELDS };

export const INPUT_KINDS = {
  inventory: {
    sku: { type: "string", required: true, code: true, description: "the merchant's SKU" },
    available: { type: "integer", required: true, description: "quantity available (rule 1), whole number" },
    onHand: { type: "integer", advisory: true, description: "quantity on hand, shown only (rule 1)" },
    lot: { type: "string", code: true, description: "lot/batch/bin: lines of one SKU are summed (rule 2)" },
    asOf: { type: "datetime", description: "when the level was true; the file's modification time when absent" },
  },
  orders: {
    orderId: { type: "string", required: true, code: true, description: "the cart's order id" },
    line: { type: "integer", min: 1, description: "line number inside the order (default 1)" },
    sku: { type: "string", required: true, code: true, description: "the SKU (or an alias code) ordered" },
    quantity: { type: "integer", required: true, min: 0, description: "units ordered" },
    orderedAt: { type: "datetime", required: true, description: "when the order was placed" },
    status: { type: "orderStatus", description: "open, shipped or cancelled (default open)" },
    replace: {
      type: "boolean",
      description:
        "the order's lines in this file replace all its earlier lines (X12 BEG01 05): lines not repeated are cancelled",
    },
  },
  /** a product list: a cart's catalog, or a WMS's product master */
  catalog: PRODUCT_FIELDS,
  aliases: {
    sku: { type: "string", required: true, code: true, description: "the merchant's SKU" },
    aliasType: { type: "string", required: true, code: true, description: "alias type, e.g. upc, asin" },
    code: { type: "string", required: true, code: true, description: "the alias code" },
  },
} as const satisfies Record<string, Record<string, CanonicalField>>;

export type InputKind = keyof typeof INPUT_KINDS;

type ValueOf<T extends FieldType> = T extends "integer" | "datetime"
  ? number
  : T extends "list"
    ? string[]
    : T extends "boolean"
      ? boolean
      : T extends "orderStatus"
        ? "open" | "shipped" | "cancelled"
        : string;

/** The record type a kind maps into: required fields present, the others possibly null. */
export type CanonicalRecord<K extends InputKind> = {
  [F in keyof (typeof INPUT_KINDS)[K]]: (typeof INPUT_KINDS)[K][F] extends {
    type: infer T extends FieldType;
    required: true;
  }
    ? ValueOf<T>
    : (typeof INPUT_KINDS)[K][F] extends { type: infer T extends FieldType }
      ? ValueOf<T> | null
      : never;
};

/** Fields a cart output can carry, one value per line of the cart's file. */
export const OUTPUT_FIELDS = {
  code: "the code the cart knows the product by: its alias code when the cart pushes by alias, else the SKU",
  sku: "the merchant's SKU",
  quantity: "the level sent (after orders, minimum level and allocation)",
  asOf: "the oldest as-of time of the warehouse levels used (ISO 8601, UTC)",
  available: "available across the cart's warehouses after orders, before minimum level and allocation",
  // product details from the warehouse's product file (warehouse products feed), empty when it has none
  name: "the product's name in the warehouse's product file",
  description: "the product's description in the warehouse's product file",
  price: "the product's price (retailPrice) in the warehouse's product file",
  weightLbs: "the product's weight in lb in the warehouse's product file",
  weightKg: "the product's weight in kg in the warehouse's product file",
} as const;

/** Cart fields that come from a warehouse's product file, and the product field each reads. */
export const DETAIL_FIELDS = {
  name: "name",
  description: "description",
  price: "retailPrice",
  weightLbs: "weightLbs",
  weightKg: "weightKg",
} as const;

/** What an output mapping writes: a cart's inventory file, or a product file for a WMS. */
export const OUTPUT_KINDS = ["cart-inventory", "products"] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export type OutputField = keyof typeof OUTPUT_FIELDS;
