import { z } from "zod";
import { OUTPUT_KINDS } from "./kinds.js";
import { limitsSchema } from "./limits.js";

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Where one canonical field comes from and how its text becomes a value. */
export const fieldSpec = z
  .strictObject({
    /**
     * where the value is: a CSV header name (matched ignoring case and surrounding spaces),
     * an XML path, an X12 element reference; a list is joined with a space (date + time)
     */
    column: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** a fixed value for every record */
    constant: scalar.optional(),
    /** used when the cell is empty or the column is absent */
    default: scalar.optional(),
    trim: z.boolean().default(true),
    case: z.enum(["upper", "lower"]).optional(),
    /**
     * datetime: iso8601 (default), epoch-seconds, epoch-millis, x12 (CCYYMMDD [HHMM[SS]]), or a pattern such as
     * "MM/dd/yyyy HH:mm"
     */
    format: z.string().min(1).optional(),
    /** IANA zone for date-times written without a UTC offset */
    timeZone: z.string().min(1).optional(),
    /** boolean: words read as true / false (case-insensitive); defaults Y/yes/true/1 and N/no/false/0 */
    true: z.array(z.string()).optional(),
    false: z.array(z.string()).optional(),
    /** text values renamed before typing, e.g. { canceled: cancelled, NEW: open } */
    values: z.record(z.string(), z.string()).optional(),
    /** a regular expression the value must match; the value becomes its first group (e.g. "^(?:id:)?(.+)$") */
    pattern: z.string().min(1).optional(),
    /**
     * list fields: the separator between values inside one cell (e.g. ","); each value is trimmed, empty ones dropped
     */
    split: z.string().min(1).optional(),
    /**
     * decimal measures: the unit the column is written in (converted to the field's unit), or the column naming it per
     * record
     */
    unit: z.union([z.string().min(1), z.strictObject({ column: z.string().min(1) })]).optional(),
    /** with several columns: the first that has a value, instead of all joined (a sale price, else the regular one) */
    firstFilled: z.boolean().optional(),
    /**
     * booleans: yes when the cell holds any value, no when it is empty (Shopify's Variant Inventory Tracker,
     * WooCommerce's Stock)
     */
    filled: z.boolean().optional(),
    /**
     * where the source holds several values for the field (X12: two QTY*33 in one LIN loop, one per
     * location): sum them, or take the first; without it, several values reject the line
     */
    combine: z.enum(["sum", "first"]).optional(),
    /**
     * whole numbers counted in a unit another column names (X12 PO103: EA, CA, PK...): each unit's
     * multiplier to single units; a unit not listed rejects the line naming it (never a guess)
     */
    perUnit: z
      .strictObject({
        column: z.string().min(1),
        factors: z.record(z.string().min(1), z.number().int().min(1)),
        /** the multiplier when the unit column is empty (absent: an empty unit rejects the line) */
        whenMissing: z.number().int().min(1).optional(),
      })
      .optional(),
    /** decimals: divide the value by this (e.g. prices in cents: 100), or by the number in another column */
    divideBy: z.union([z.number().positive(), z.strictObject({ column: z.string().min(1) })]).optional(),
  })
  .refine((f) => (f.column === undefined) !== (f.constant === undefined), {
    message: "a field takes exactly one of `column` or `constant`",
  });

export type FieldSpec = z.output<typeof fieldSpec>;

/**
 * Catalogs whose rows are variants of products (Shopify's rows sharing a handle,
 * WooCommerce's variations naming their parent): how a row finds the row it takes shared
 * values from.
 */
export const variantsSpec = z
  .strictObject({
    /**
     * rows with the same value of this field, one after the other, are one product; the first row holds the shared
     * values
     */
    groupBy: z.string().optional(),
    /**
     * a row whose value of this field is another row's productId (or SKU) is that row's variant; the parent row is not
     * a product itself
     */
    parent: z.string().optional(),
    /** fields a variant takes from its product's row when its own cell is empty */
    inherit: z.array(z.string()).default([]),
    /** list fields gathered from every row of the product (e.g. Shopify's image-only rows) into each of its variants */
    collect: z.array(z.string()).default([]),
  })
  .refine((v) => (v.groupBy === undefined) !== (v.parent === undefined), {
    message: "variants takes exactly one of `groupBy` or `parent`",
  });

export type VariantsSpec = z.output<typeof variantsSpec>;

export const inputMappingSchema = z.looseObject({
  kind: z.enum(["inventory", "orders", "catalog", "aliases"]),
  format: z.string(),
  description: z.string().optional(),
  fields: z.record(z.string(), fieldSpec),
  variants: variantsSpec.optional(),
  /** how long a line, a header, a value or a code may be (see mapping/limits.ts) */
  limits: limitsSchema,
});

export const outputColumn = z
  .strictObject({
    header: z.string(),
    /** a field of the cart record: code, sku, quantity, asOf, available */
    field: z.string().optional(),
    constant: z.union([z.string(), z.number()]).optional(),
    /** product files: what goes between the values of a list field (default |) */
    join: z.string().optional(),
  })
  .refine((c) => (c.field === undefined) !== (c.constant === undefined), {
    message: "a column takes exactly one of `field` or `constant`",
  });

export const outputMappingSchema = z.looseObject({
  kind: z.enum(OUTPUT_KINDS),
  format: z.string(),
  description: z.string().optional(),
  columns: z.array(outputColumn).min(1),
});
