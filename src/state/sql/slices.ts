import { Carts } from "./carts.js";
import { Edi } from "./edi.js";
import { Inventory } from "./inventory.js";
import { Ledger } from "./ledger.js";
import { Products } from "./products.js";
import { Queries } from "./queries.js";
import type { SqlSession } from "./session.js";

/** The state's slices on one SQL session: what every store is made of, whatever its driver. */
export abstract class SqlSlices<S extends SqlSession> {
  readonly ledger: Ledger;
  readonly inventory: Inventory;
  readonly carts: Carts;
  readonly edi: Edi;
  readonly products: Products;
  readonly queries: Queries;

  protected constructor(protected readonly session: S) {
    this.ledger = new Ledger(session);
    this.inventory = new Inventory(session);
    this.carts = new Carts(session, this.inventory);
    this.edi = new Edi(session);
    this.products = new Products(session);
    this.queries = new Queries(session, { carts: this.carts, inventory: this.inventory });
  }
}
