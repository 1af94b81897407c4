import { describe, expect, it } from 'vitest';
import { orderInvariants, type OrderOutcome } from './invariants.js';

const order = (id: string, final: OrderOutcome['final'], accepted = true): OrderOutcome => ({
  orderId: id,
  sku: 'ITEM-1',
  quantity: 1,
  httpStatus: accepted ? 200 : 502,
  accepted,
  status: final ?? '',
  final,
});

describe('orderInvariants', () => {
  it('passes when completed orders match charges and stock', () => {
    const outcomes = [order('a', 'completed'), order('b', 'failed'), order('c', 'absent', false)];
    const charges = new Map([
      ['a', { succeeded: 1, refunded: 0 }],
      ['b', { succeeded: 0, refunded: 1 }],
    ]);
    expect(orderInvariants(outcomes, charges, { 'ITEM-1': 10 }, { 'ITEM-1': 9 })).toEqual([]);
  });

  it('reports a lost order, a double charge and stock that went missing', () => {
    const outcomes = [order('a', 'completed'), order('b', 'unsettled'), order('c', 'absent')];
    const charges = new Map([['a', { succeeded: 2, refunded: 0 }]]);
    expect(orderInvariants(outcomes, charges, { 'ITEM-1': 10 }, { 'ITEM-1': 7 })).toEqual([
      'lost order: b (POST answered 200 unsettled) never completed or failed',
      'lost order: c was accepted but the gateway no longer knows it',
      'charge mismatch: a is completed with 2 standing charge(s) (expected 1)',
      'stock not conserved: ITEM-1 lost 3 unit(s) but completed orders took 1',
    ]);
  });
});
