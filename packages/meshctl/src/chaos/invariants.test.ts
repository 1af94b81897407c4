import { describe, expect, it } from 'vitest';
import { chargeViolations, orderInvariants, type ListedCharge, type OrderOutcome } from './invariants.js';

const order = (id: string, final: OrderOutcome['final'], accepted = true): OrderOutcome => ({
  orderId: id,
  sku: 'ITEM-1',
  quantity: 1,
  totalCents: 999,
  httpStatus: accepted ? 200 : 502,
  accepted,
  status: final ?? '',
  final,
});

const charge = (amount: number, refunded = 0, status = 'succeeded'): ListedCharge => ({
  status,
  amount,
  amount_refunded: refunded,
});

describe('orderInvariants', () => {
  it('passes when completed orders match charges and stock', () => {
    const outcomes = [order('a', 'completed'), order('b', 'failed'), order('c', 'absent', false)];
    const charges = new Map([
      ['a', [charge(999)]],
      ['b', [charge(999, 999)]],
    ]);
    expect(orderInvariants(outcomes, charges, { 'ITEM-1': 10 }, { 'ITEM-1': 9 })).toEqual([]);
  });

  it('reports a lost order, a double charge and stock that went missing', () => {
    const outcomes = [order('a', 'completed'), order('b', 'unsettled'), order('c', 'absent')];
    const charges = new Map([['a', [charge(999), charge(999)]]]);
    expect(orderInvariants(outcomes, charges, { 'ITEM-1': 10 }, { 'ITEM-1': 7 })).toEqual([
      'lost order: b (POST answered 200 unsettled) never completed or failed',
      'lost order: c was accepted but the gateway no longer knows it',
      'charge mismatch: a is completed with 2 succeeded charge(s) (expected 1)',
      'stock not conserved: ITEM-1 lost 3 unit(s) but completed orders took 1',
    ]);
  });

  it('checks no money when there was no gateway to ask', () => {
    expect(orderInvariants([order('a', 'completed')], new Map(), { 'ITEM-1': 1 }, { 'ITEM-1': 0 })).toEqual(
      [],
    );
  });
});

describe('chargeViolations', () => {
  it('accepts one succeeded, unrefunded charge of the total for a completed order', () => {
    expect(chargeViolations('a', 'completed', [charge(1250), charge(1250, 0, 'failed')], 1250)).toEqual([]);
  });

  it('reports a completed order without a charge', () => {
    expect(chargeViolations('a', 'completed', [charge(1250, 0, 'failed')], 1250)).toEqual([
      'charge mismatch: a is completed with 0 succeeded charge(s) (expected 1)',
    ]);
  });

  it('reports a second charge on a completed order, even one refunded since', () => {
    expect(chargeViolations('a', 'completed', [charge(1250), charge(1250, 1250)], 1250)).toEqual([
      'charge mismatch: a is completed with 2 succeeded charge(s) (expected 1)',
    ]);
  });

  it('reports a charge of the wrong amount and one partly refunded', () => {
    expect(chargeViolations('a', 'completed', [charge(125, 25)], 1250)).toEqual([
      'charge mismatch: a was charged 125 for a total of 1250',
      'charge mismatch: a is completed but 25 of its charge was refunded',
    ]);
  });

  it('accepts any amount when the total is not known', () => {
    expect(chargeViolations('a', 'completed', [charge(125)])).toEqual([]);
  });

  it('accepts a failed order whose charges were refunded in full or declined', () => {
    expect(chargeViolations('b', 'failed', [charge(1250, 1250), charge(1250, 0, 'failed')], 1250)).toEqual(
      [],
    );
  });

  it('reports money still held for an order that did not complete', () => {
    expect(chargeViolations('b', 'compensated', [charge(1250, 250), charge(1250)], 1250)).toEqual([
      'standing charge on a non-completed order: b is compensated with 2 standing charge(s) of 2250 (expected none)',
    ]);
  });
});
