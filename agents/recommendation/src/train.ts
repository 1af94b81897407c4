import { MODEL_FORMAT, type RecommendationModel } from './model.js';

/** One completed order, as the order agent stores it (`orders.items`, `orders.user_id`), oldest first. */
export interface OrderRecord {
  user_id: string;
  items: readonly { sku: string; quantity: number }[];
}

export interface TrainOptions {
  /** Neighbours kept per SKU. */
  neighbours: number;
  /** Recent distinct SKUs kept per shopper. */
  userItems: number;
  /** Best sellers kept. */
  bestSellers: number;
  now?: () => Date;
}

export const defaultTrainOptions: TrainOptions = { neighbours: 20, userItems: 20, bestSellers: 50 };

/**
 * Item-to-item collaborative filtering by co-occurrence: two SKUs are neighbours when the same shoppers
 * bought both (in one order or across their orders). The score is the cosine of their buyer sets,
 * |A∩B| / sqrt(|A|·|B|), so a SKU everybody buys does not become everyone's neighbour. Ties are broken by SKU
 * so the same history always gives the same file. Best sellers count units sold.
 */
export function trainModel(
  history: Iterable<OrderRecord>,
  options: TrainOptions = defaultTrainOptions,
): RecommendationModel {
  const basketOf = new Map<string, Set<string>>();
  const recent = new Map<string, string[]>();
  const units = new Map<string, number>();
  let orders = 0;
  for (const order of history) {
    orders += 1;
    let basket = basketOf.get(order.user_id);
    if (basket === undefined) basketOf.set(order.user_id, (basket = new Set()));
    const mine = recent.get(order.user_id) ?? [];
    for (const item of order.items) {
      basket.add(item.sku);
      units.set(item.sku, (units.get(item.sku) ?? 0) + item.quantity);
      const at = mine.indexOf(item.sku);
      if (at >= 0) mine.splice(at, 1);
      mine.unshift(item.sku);
    }
    recent.set(order.user_id, mine.slice(0, options.userItems));
  }

  const buyers = new Map<string, number>();
  const together = new Map<string, Map<string, number>>();
  for (const basket of basketOf.values()) {
    const skus = [...basket];
    for (const a of skus) {
      buyers.set(a, (buyers.get(a) ?? 0) + 1);
      let row = together.get(a);
      if (row === undefined) together.set(a, (row = new Map()));
      for (const b of skus) if (b !== a) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }

  const neighbours: RecommendationModel['neighbours'] = {};
  for (const [a, row] of [...together].sort(([x], [y]) => compare(x, y))) {
    const scored = [...row]
      .map(([b, both]) => ({ sku: b, score: round(both / Math.sqrt(buyers.get(a)! * buyers.get(b)!)) }))
      .sort((x, y) => y.score - x.score || compare(x.sku, y.sku))
      .slice(0, options.neighbours);
    if (scored.length > 0) neighbours[a] = scored;
  }

  const bestSellers = [...units]
    .map(([sku, sold]) => ({ sku, units: sold }))
    .filter((entry) => entry.units > 0)
    .sort((x, y) => y.units - x.units || compare(x.sku, y.sku))
    .slice(0, options.bestSellers);

  return {
    format: MODEL_FORMAT,
    trained_at: (options.now?.() ?? new Date()).toISOString(),
    orders,
    neighbours,
    best_sellers: bestSellers,
    user_items: Object.fromEntries([...recent].sort(([x], [y]) => compare(x, y))),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Six decimals: enough to order neighbours, and a stable file. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
