import { describe, expect, it } from 'vitest';
import { newId } from './ledger.js';
import { randomView } from './random-pool.js';

describe('randomView', () => {
  it('hands out fresh bytes across pool refills', () => {
    const seen = new Set<string>();
    // 1,000 views of 24 bytes cross the 4 KB pool several times; none repeats.
    for (let i = 0; i < 1_000; i += 1) seen.add(randomView(24).toString('hex'));
    expect(seen.size).toBe(1_000);
  });

  it('gives the length asked for, also when the pool is nearly used up', () => {
    for (const length of [8, 24, 4096, 1, 4095]) expect(randomView(length)).toHaveLength(length);
  });

  it('keeps ids Stripe-shaped and distinct', () => {
    const ids = Array.from({ length: 500 }, () => newId('ch'));
    for (const id of ids) expect(id).toMatch(/^ch_[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
