/** Product detail sync, warehouse to cart: the price, weight, name or description a cart's file carries. */
import type { LoadedCart } from "../config/load.js";
import { DETAIL_FIELDS } from "../mapping/kinds.js";
import type { Store } from "../state/store.js";

/** The product detail fields (DETAIL_FIELDS) the cart's mapping asks for. */
export function detailFields(cart: LoadedCart): Array<keyof typeof DETAIL_FIELDS> {
  return cart.output.fields.filter(
    (f): f is keyof typeof DETAIL_FIELDS => f !== undefined && Object.hasOwn(DETAIL_FIELDS, f),
  );
}

/** one page of lines' product details: the values by SKU */
export type PageDetails = (sku: string) => Record<string, unknown>;

/**
 * Product detail sync, warehouse to cart: for a cart whose mapping asks for price, weight,
 * name or description, each line's values from the product file of the first of the cart's
 * warehouses that has the SKU (empty when none has), looked up a page of SKUs at a time.
 * Nothing is looked up otherwise.
 */
export function productDetails(
  store: Store,
  cart: LoadedCart,
): ((skus: readonly string[]) => Promise<PageDetails>) | undefined {
  const fields = detailFields(cart);
  if (fields.length === 0) return undefined;
  return async (skus) => {
    const found = await store.products.warehouseProducts(cart.merchant, cart.warehouseIds, skus);
    return (sku) => {
      const of = found.get(sku);
      const json = of && cart.warehouseIds.map((w) => of.get(w)).find((p) => p !== undefined);
      const product = json ? (JSON.parse(json) as Record<string, unknown>) : {};
      return Object.fromEntries(fields.map((f) => [f, product[DETAIL_FIELDS[f]] ?? ""]));
    };
  };
}
