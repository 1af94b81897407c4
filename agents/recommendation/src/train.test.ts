import { describe, expect, it } from 'vitest';
import { modelProblem } from './model.js';
import { trainModel, type OrderRecord } from './train.js';

const order = (user_id: string, ...skus: string[]): OrderRecord => ({
  user_id,
  items: skus.map((sku) => ({ sku, quantity: 1 })),
});

/**
 * Tea drinkers buy TEA with POT and CUP; coffee drinkers COFFEE with GRINDER; everyone buys MILK. CUP is
 * bought by both groups.
 */
const history: OrderRecord[] = [
  order('ann', 'TEA', 'POT'),
  order('ann', 'CUP'),
  order('bob', 'TEA', 'CUP'),
  order('bob', 'MILK'),
  order('cat', 'TEA', 'POT', 'MILK'),
  order('dan', 'COFFEE', 'GRINDER'),
  order('dan', 'MILK'),
  order('eve', 'COFFEE', 'CUP', 'MILK'),
];

describe('trainModel', () => {
  const model = trainModel(history, {
    neighbours: 3,
    userItems: 5,
    bestSellers: 10,
    now: () => new Date('2026-12-06T12:00:00Z'),
  });

  it('writes a file the agent accepts', () => {
    expect(modelProblem(JSON.parse(JSON.stringify(model)))).toBeUndefined();
    expect(model.orders).toBe(8);
    expect(model.trained_at).toBe('2026-12-06T12:00:00.000Z');
  });

  it('finds the items bought by the same shoppers as nearest neighbours (cosine of buyer sets)', () => {
    // TEA's buyers: ann, bob, cat. POT's: ann, cat -> 2/sqrt(3*2). CUP's: ann, bob, eve -> 2/sqrt(3*3).
    expect(model.neighbours['TEA']).toEqual([
      { sku: 'POT', score: 0.816497 },
      { sku: 'CUP', score: 0.666667 },
      { sku: 'MILK', score: 0.57735 },
    ]);
    // GRINDER's one buyer also bought COFFEE (bought by two): 1/sqrt(1*2), its nearest neighbour.
    expect(model.neighbours['GRINDER']?.[0]).toEqual({ sku: 'COFFEE', score: 0.707107 });
    // COFFEE (dan, eve): GRINDER 1/sqrt(2) and MILK 2/sqrt(2*4) tie (then by SKU); CUP 1/sqrt(2*3).
    expect(model.neighbours['COFFEE']?.map((n) => n.sku)).toEqual(['GRINDER', 'MILK', 'CUP']);
  });

  it('never makes an item its own neighbour, and keeps at most the asked number', () => {
    for (const [sku, neighbours] of Object.entries(model.neighbours)) {
      expect(neighbours.map((n) => n.sku)).not.toContain(sku);
      expect(neighbours.length).toBeLessThanOrEqual(3);
    }
  });

  it('counts best sellers by units, ties by SKU', () => {
    expect(model.best_sellers.slice(0, 3)).toEqual([
      { sku: 'MILK', units: 4 },
      { sku: 'CUP', units: 3 },
      { sku: 'TEA', units: 3 },
    ]);
    const bulk = trainModel([{ user_id: 'x', items: [{ sku: 'A', quantity: 10 }] }, order('y', 'B')]);
    expect(bulk.best_sellers[0]).toEqual({ sku: 'A', units: 10 });
  });

  it("keeps each shopper's recent items, newest first", () => {
    expect(model.user_items['ann']).toEqual(['CUP', 'POT', 'TEA']);
  });

  it('gives the same file for the same history', () => {
    const again = trainModel(history, {
      neighbours: 3,
      userItems: 5,
      bestSellers: 10,
      now: () => new Date('2026-12-06T12:00:00Z'),
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });

  it('trains an empty model from no history', () => {
    const empty = trainModel([]);
    expect(empty).toMatchObject({ orders: 0, neighbours: {}, best_sellers: [], user_items: {} });
    expect(modelProblem(empty)).toBeUndefined();
  });
});
