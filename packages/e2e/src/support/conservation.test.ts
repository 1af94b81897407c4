import { describe, expect, it } from 'vitest';
import { conservationViolations, totalCents, type ConservationInput } from './conservation.js';

const charge = (amount: number, refunded = 0, status = 'succeeded') => ({
  status,
  amount,
  amount_refunded: refunded,
});

function input(overrides: Partial<ConservationInput>): ConservationInput {
  return { totals: new Map(), chargesByOrder: new Map(), states: new Map(), stock: [], ...overrides };
}

describe('conservationViolations', () => {
  it('reports nothing when each completed order holds one charge of its total and stock adds up', () => {
    expect(
      conservationViolations({
        totals: new Map([
          ['o-1', 12.5],
          ['o-2', 12.5],
          ['o-3', 9.99],
        ]),
        chargesByOrder: new Map([
          ['o-1', [charge(1250)]],
          ['o-2', [charge(1250, 1250), charge(1250, 0, 'failed')]],
        ]),
        states: new Map([
          ['o-1', 'completed'],
          ['o-2', 'compensated'],
        ]),
        stock: [{ sku: 'S', initial: 10, available: 8, committed: 1, reserved: 1 }],
      }),
    ).toEqual([]);
  });

  it('reports a charge on an order that did not complete and a completed order without a charge', () => {
    const problems = conservationViolations(
      input({
        totals: new Map([
          ['o-1', 5],
          ['o-2', 5],
        ]),
        chargesByOrder: new Map([['o-1', [charge(500)]]]),
        states: new Map([
          ['o-1', 'failed'],
          ['o-2', 'completed'],
        ]),
      }),
    );
    expect(problems).toEqual([
      'standing charge on a non-completed order: o-1 is failed with 1 standing charge(s) of 500 (expected none)',
      'charge mismatch: o-2 is completed with 0 succeeded charge(s) (expected 1)',
    ]);
  });

  it('reports two charges on one completed order, and a charge of the wrong amount', () => {
    const problems = conservationViolations(
      input({
        totals: new Map([
          ['o-1', 12.5],
          ['o-2', 12.5],
        ]),
        chargesByOrder: new Map([
          ['o-1', [charge(1250), charge(1250)]],
          ['o-2', [charge(12)]],
        ]),
        states: new Map([
          ['o-1', 'completed'],
          ['o-2', 'completed'],
        ]),
      }),
    );
    expect(problems).toEqual([
      'charge mismatch: o-1 is completed with 2 succeeded charge(s) (expected 1)',
      'charge mismatch: o-2 was charged 12 for a total of 1250',
    ]);
  });

  it('reports money held for an order the order agent never stored', () => {
    const problems = conservationViolations(
      input({ totals: new Map([['o-1', 1]]), chargesByOrder: new Map([['o-1', [charge(100)]]]) }),
    );
    expect(problems).toEqual([
      'standing charge on a non-completed order: o-1 is absent with 1 standing charge(s) of 100 (expected none)',
    ]);
  });

  it('reports lost or negative stock', () => {
    const problems = conservationViolations(
      input({ stock: [{ sku: 'S', initial: 10, available: -1, committed: 9, reserved: 0 }] }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('negative stock');
    expect(problems[1]).toContain('initial 10');
  });

  it('counts totals in whole cents, without float noise', () => {
    expect([12.5, 0.29, 19.99, 1.005 + 0.005].map(totalCents)).toEqual([1250, 29, 1999, 101]);
  });
});
