/**
 * The canonical records every input format is mapped into, field by field. A mapping file
 * names, for each canonical field, where its value comes from; the type and whether it is
 * required are fixed here, so every mapping of a kind produces the same record.
 */
export type FieldType = "string" | "integer" | "datetime" | "boolean" | "orderStatus";

export interface CanonicalField {
  type: FieldType;
  required?: boolean;
  /** smallest accepted integer */
  min?: number;
  description: string;
}

export const INPUT_KINDS = {
  inventory: {
    sku: { type: "string", required: true, description: "the merchant's SKU" },
    available: { type: "integer", required: true, description: "quantity available (rule 1), whole number" },
    onHand: { type: "integer", description: "quantity on hand, shown only" },
    lot: { type: "string", description: "lot/batch/bin: lines of one SKU are summed (rule 2)" },
    asOf: { type: "datetime", description: "when the level was true; the file's modification time when absent" },
  },
  orders: {
    orderId: { type: "string", required: true, description: "the cart's order id" },
    line: { type: "integer", min: 1, description: "line number inside the order (default 1)" },
    sku: { type: "string", required: true, description: "the SKU (or an alias code) ordered" },
    quantity: { type: "integer", required: true, min: 0, description: "units ordered" },
    orderedAt: { type: "datetime", required: true, description: "when the order was placed" },
    status: { type: "orderStatus", description: "open, shipped or cancelled (default open)" },
  },
  catalog: {
    sku: { type: "string", required: true, description: "the cart's product code" },
    inventoryEnabled: { type: "boolean", description: "whether the cart tracks inventory for it (default yes)" },
  },
  aliases: {
    sku: { type: "string", required: true, description: "the merchant's SKU" },
    aliasType: { type: "string", required: true, description: "alias type, e.g. upc, asin" },
    code: { type: "string", required: true, description: "the alias code" },
  },
} as const satisfies Record<string, Record<string, CanonicalField>>;

export type InputKind = keyof typeof INPUT_KINDS;

type ValueOf<T extends FieldType> = T extends "integer" | "datetime"
  ? number
  : T extends "boolean"
    ? boolean
    : T extends "orderStatus"
      ? "open" | "shipped" | "cancelled"
      : string;

/** The record type a kind maps into: required fields present, the others possibly null. */
export type CanonicalRecord<K extends InputKind> = {
  [F in keyof (typeof INPUT_KINDS)[K]]: (typeof INPUT_KINDS)[K][F] extends { type: infer T extends FieldType; required: true }
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
} as const;

export type OutputField = keyof typeof OUTPUT_FIELDS;
