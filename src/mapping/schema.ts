import { z } from "zod";

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
    /** datetime: iso8601 (default), epoch-seconds, epoch-millis, x12 (CCYYMMDD [HHMM[SS]]), or a pattern such as "MM/dd/yyyy HH:mm" */
    format: z.string().min(1).optional(),
    /** IANA zone for date-times written without a UTC offset */
    timeZone: z.string().min(1).optional(),
    /** boolean: words read as true / false (case-insensitive); defaults Y/yes/true/1 and N/no/false/0 */
    true: z.array(z.string()).optional(),
    false: z.array(z.string()).optional(),
    /** text values renamed before typing, e.g. { canceled: cancelled, NEW: open } */
    values: z.record(z.string(), z.string()).optional(),
  })
  .refine((f) => (f.column === undefined) !== (f.constant === undefined), {
    message: "a field takes exactly one of `column` or `constant`",
  });

export type FieldSpec = z.output<typeof fieldSpec>;

export const inputMappingSchema = z.looseObject({
  kind: z.enum(["inventory", "orders", "catalog", "aliases"]),
  format: z.string(),
  description: z.string().optional(),
  fields: z.record(z.string(), fieldSpec),
});

export const outputColumn = z
  .strictObject({
    header: z.string(),
    /** a field of the cart record: code, sku, quantity, asOf, available */
    field: z.string().optional(),
    constant: z.union([z.string(), z.number()]).optional(),
  })
  .refine((c) => (c.field === undefined) !== (c.constant === undefined), {
    message: "a column takes exactly one of `field` or `constant`",
  });

export const outputMappingSchema = z.looseObject({
  kind: z.literal("cart-inventory"),
  format: z.string(),
  description: z.string().optional(),
  columns: z.array(outputColumn).min(1),
});
