import type { NewOrder } from './order-store.js';

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
