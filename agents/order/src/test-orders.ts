import type { NewOrder } from './order-store.js';
import type { OrderInput } from './schemas.js';

/** An order as the saga stores it at creation, for store and recovery tests. */
export function newOrder(orderId: string, overrides: Partial<NewOrder> = {}): NewOrder {
  return {
    orderId,
    requestHash: 'h',
    userId: 'user-1',
    items: [{ sku: 'ITEM-1', quantity: 1 }],
    total: 9.99,
    currency: 'usd',
    paymentMethod: null,
    traceId: null,
    ...overrides,
  };
}

/** An order as a client sends it to the saga: two of ITEM-1 at the catalogue's total, for saga tests. */
export function orderInput(id: string, overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    order_id: id,
    user_id: 'user-1',
    items: [{ sku: 'ITEM-1', quantity: 2 }],
    total: 19.98,
    ...overrides,
  };
}
