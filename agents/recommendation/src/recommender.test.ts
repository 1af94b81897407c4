import { silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import type { RecommendationModel } from './model.js';
import { Recommender, type RecommenderPorts } from './recommender.js';
import { trainModel } from './train.js';

const model = trainModel([
  {
    user_id: 'ann',
    items: [
      { sku: 'TEA', quantity: 1 },
      { sku: 'POT', quantity: 1 },
      { sku: 'CUP', quantity: 1 },
    ],
  },
  {
    user_id: 'bob',
    items: [
      { sku: 'TEA', quantity: 1 },
      { sku: 'CUP', quantity: 1 },
    ],
  },
  {
    user_id: 'cat',
    items: [
      { sku: 'COFFEE', quantity: 1 },
      { sku: 'GRINDER', quantity: 1 },
    ],
  },
  { user_id: 'dan', items: [{ sku: 'MILK', quantity: 9 }] },
]);

function ports(overrides: Partial<RecommenderPorts> & { cart?: string[] } = {}): RecommenderPorts {
  return {
    cartSkus: async () => overrides.cart ?? [],
    bestSellers: async () => [
      { sku: 'MILK', units: 9 },
      { sku: 'TEA', units: 2 },
    ],
    catalogueSkus: async () => ['ITEM-1', 'ITEM-2', 'ITEM-3'],
    ...overrides,
  };
}

const recommender = (current: RecommendationModel | undefined) =>
  new Recommender(() => current, silentLogger());

describe('Recommender', () => {
  it('recommends the neighbours of the cart, never what is in it', async () => {
    const result = await recommender(model).recommend(ports({ cart: ['TEA'] }), {
      user_id: 'new',
      limit: 2,
      exclude: [],
    });
    expect(result.model).toEqual({ source: 'model', trained_at: model.trained_at });
    expect(result.recommendations.map((r) => [r.sku, r.reason])).toEqual([
      ['CUP', 'bought_together'],
      ['POT', 'bought_together'],
    ]);
  });

  it("starts from the user's past purchases when the cart is empty", async () => {
    const result = await recommender(model).recommend(ports(), { user_id: 'bob', limit: 1, exclude: [] });
    expect(result.recommendations).toEqual([
      { sku: 'POT', score: expect.any(Number), reason: 'bought_together' },
    ]);
  });

  it('leaves out what is asked to exclude, and fills up with best sellers', async () => {
    const result = await recommender(model).recommend(ports({ cart: ['TEA'] }), {
      user_id: 'new',
      limit: 3,
      exclude: ['CUP'],
    });
    expect(result.recommendations.map((r) => [r.sku, r.reason])).toEqual([
      ['POT', 'bought_together'],
      ['MILK', 'best_seller'],
      ['COFFEE', 'best_seller'],
    ]);
  });

  it('recommends without the cart when the cart agent fails', async () => {
    const failing = ports({ cartSkus: () => Promise.reject(new Error('cart down')) });
    const result = await recommender(model).recommend(failing, { user_id: 'ann', limit: 2, exclude: [] });
    expect(result.recommendations.map((r) => r.reason)).toEqual(['best_seller', 'best_seller']);
  });

  it('falls back to best sellers from the order history without a model', async () => {
    const result = await recommender(undefined).recommend(ports({ cart: ['MILK'] }), {
      user_id: 'x',
      limit: 5,
      exclude: [],
    });
    expect(result.model).toEqual({ source: 'best_sellers', trained_at: null });
    expect(result.recommendations.map((r) => [r.sku, r.reason])).toEqual([
      ['TEA', 'best_seller'],
      ['ITEM-1', 'catalogue'],
      ['ITEM-2', 'catalogue'],
      ['ITEM-3', 'catalogue'],
    ]);
  });

  it('treats a model trained from no orders as no model: the live best sellers answer', async () => {
    // A fresh install's first training run sees no orders; until the next run the history is what knows.
    const result = await recommender(trainModel([])).recommend(ports({ cart: ['MILK'] }), {
      user_id: 'x',
      limit: 2,
      exclude: [],
    });
    expect(result.model).toEqual({ source: 'best_sellers', trained_at: null });
    expect(result.recommendations.map((r) => [r.sku, r.reason])).toEqual([
      ['TEA', 'best_seller'],
      ['ITEM-1', 'catalogue'],
    ]);
  });

  it("fills a short model answer from the catalogue, skipping the cart and the user's purchases", async () => {
    const small = trainModel([
      {
        user_id: 'ann',
        items: [
          { sku: 'ITEM-1', quantity: 1 },
          { sku: 'ITEM-2', quantity: 1 },
        ],
      },
    ]);
    const result = await recommender(small).recommend(ports({ cart: ['ITEM-3'] }), {
      user_id: 'ann',
      limit: 5,
      exclude: [],
    });
    expect(result.model.source).toBe('model');
    expect(result.recommendations.map((r) => r.sku)).toEqual([]);
    const fresh = await recommender(small).recommend(ports({ cart: ['ITEM-1'] }), {
      user_id: 'new',
      limit: 5,
      exclude: [],
    });
    expect(fresh.recommendations.map((r) => [r.sku, r.reason])).toEqual([
      ['ITEM-2', 'bought_together'],
      ['ITEM-3', 'catalogue'],
    ]);
  });

  it('falls back to the catalogue order without a model or any history', async () => {
    const result = await recommender(undefined).recommend(
      ports({ bestSellers: async () => [], cart: ['ITEM-1'] }),
      { user_id: 'x', limit: 5, exclude: ['ITEM-3'] },
    );
    expect(result.model.source).toBe('catalogue');
    expect(result.recommendations.map((r) => r.sku)).toEqual(['ITEM-2']);
  });
});
