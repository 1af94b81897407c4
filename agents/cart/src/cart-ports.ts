import type { ContractInput, ContractOutput, orderProcessing, productLookup } from '@mesh/contracts';

/** What the cart needs from the mesh: current prices, and the order saga. */
export interface CartPorts {
  lookupProducts(skus: string[]): Promise<ContractOutput<typeof productLookup>>;
  placeOrder(order: ContractInput<typeof orderProcessing>): Promise<ContractOutput<typeof orderProcessing>>;
}

/** The cart's bounds (from config). */
export interface CartLimits {
  maxLines: number;
  maxQuantity: number;
  /** An untouched cart is dropped after this long (every write starts it again). */
  ttlMs: number;
}
