import { describe, expect, it } from 'vitest';
import { chargeViolations } from '../../packages/meshctl/dist/index.js';
import { auditSince, auditViolations, describeAudit } from './order-audit.mjs';

const paid = (amount) => ({ status: 'succeeded', amount, amount_refunded: 0 });
const refunded = (amount) => ({ status: 'succeeded', amount, amount_refunded: amount });

/** A run that held: one completed order paid once, one compensated order refunded, stock matching. */
function heldRun() {
  return {
    orders: [
      { order_id: 'o-1', state: 'completed', total_cents: 1999, reservation_status: 'committed' },
      { order_id: 'o-2', state: 'compensated', total_cents: 500, reservation_status: 'released' },
      { order_id: 'o-3', state: 'failed', total_cents: 700, reservation_status: null },
    ],
    charges: new Map([
      ['o-1', [paid(1999)]],
      ['o-2', [refunded(500)]],
    ]),
    stock: [{ sku: 'ITEM-1', reserved: 2, sold: 1, units_reserved: 2, units_sold: 1 }],
    chargeViolations,
  };
}

describe('the audit of the orders of a load', () => {
  it('finds nothing in a run that held', () => {
    const run = heldRun();
    const problems = auditViolations(run);
    expect(problems).toEqual([]);
    expect(describeAudit({ orders: run.orders, chargesRead: 2, skus: 1, problems })).toMatch(
      /^3 orders \(1 completed, 1 failed, 1 compensated\), 2 charges, 1 SKUs: money and stock held/,
    );
  });

  it('names a double charge, a wrong amount, a charge kept by a failed order and a completed order unpaid', () => {
    const run = heldRun();
    run.orders.push({
      order_id: 'o-4',
      state: 'completed',
      total_cents: 300,
      reservation_status: 'committed',
    });
    run.charges.set('o-1', [paid(1999), paid(1999)]);
    run.charges.set('o-2', [paid(500)]);
    run.charges.set('o-3', [paid(650)]);
    expect(auditViolations(run)).toEqual([
      'charge mismatch: o-1 is completed with 2 succeeded charge(s) (expected 1)',
      'standing charge on a non-completed order: o-2 is compensated with 1 standing charge(s) of 500 (expected none)',
      'standing charge on a non-completed order: o-3 is failed with 1 standing charge(s) of 650 (expected none)',
      'charge mismatch: o-4 is completed with 0 succeeded charge(s) (expected 1)',
    ]);
    run.charges.set('o-1', [paid(1899)]);
    expect(auditViolations(run)[0]).toBe('charge mismatch: o-1 was charged 1899 for a total of 1999');
  });

  it('names an order left mid-saga and stock that does not match the reservations', () => {
    const run = heldRun();
    run.orders.push({ order_id: 'o-5', state: 'charged', total_cents: 100, reservation_status: 'reserved' });
    run.orders[0].reservation_status = 'reserved';
    run.orders[1].reservation_status = 'committed';
    run.stock[0] = { sku: 'ITEM-1', reserved: 3, sold: 1, units_reserved: 2, units_sold: 2 };
    expect(auditViolations(run)).toEqual([
      'stock: o-1 is completed but its reservation is reserved',
      'stock: o-2 is compensated but its reservation was committed',
      'unsettled: o-5 is still charged',
      'stock: ITEM-1 holds reserved 3, its reservations 2 units',
      'stock: ITEM-1 holds sold 1, its committed reservations 2 units',
    ]);
  });

  it('shows ten violations and counts the rest', () => {
    const problems = Array.from({ length: 12 }, (_, i) => `problem ${i}`);
    const text = describeAudit({ orders: [], chargesRead: 0, skus: 0, problems });
    expect(text.split('\n')).toHaveLength(12);
    expect(text).toMatch(/12 violations/);
    expect(text).toMatch(/… and 2 more$/);
  });

  it('reads --since as a span back from now or an ISO time, and refuses anything else', () => {
    const now = Date.parse('2026-12-07T18:00:00Z');
    expect(auditSince('30m', now).toISOString()).toBe('2026-12-07T17:30:00.000Z');
    expect(auditSince('2h', now).toISOString()).toBe('2026-12-07T16:00:00.000Z');
    expect(auditSince('2026-12-07T17:00:00Z').toISOString()).toBe('2026-12-07T17:00:00.000Z');
    for (const bad of ['10', 'yesterday', '5d', '2026-13-45'])
      expect(() => auditSince(bad, now)).toThrow(/AUDIT_SINCE/);
  });
});
