import { describe, expect, it } from 'vitest';
import { conservationViolations } from './conservation.js';

describe('conservationViolations', () => {
  it('reports nothing when charges match completed orders and stock adds up', () => {
    expect(
      conservationViolations({
        netChargesByOrder: new Map([
          ['o-1', 1000],
          ['o-2', 0],
        ]),
        completedOrders: new Set(['o-1']),
        stock: [{ sku: 'S', initial: 10, available: 8, committed: 1, reserved: 1 }],
      }),
    ).toEqual([]);
  });

  it('reports a charge without a completed order and a completed order without a charge', () => {
    const problems = conservationViolations({
      netChargesByOrder: new Map([['o-1', 500]]),
      completedOrders: new Set(['o-2']),
      stock: [],
    });
    expect(problems).toEqual([
      'order o-1: charged 500 but not completed',
      'order o-2: completed without a charge',
    ]);
  });

  it('reports lost or negative stock', () => {
    const problems = conservationViolations({
      netChargesByOrder: new Map(),
      completedOrders: new Set(),
      stock: [{ sku: 'S', initial: 10, available: -1, committed: 9, reserved: 0 }],
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('negative stock');
    expect(problems[1]).toContain('initial 10');
  });
});
