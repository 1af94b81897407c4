import type { Logger } from '@mesh/common';
import type { ContractOutput, recommendationGet } from '@mesh/contracts';
import type { RecommendationModel } from './model.js';

export type Recommendations = ContractOutput<typeof recommendationGet>;
type Recommendation = Recommendations['recommendations'][number];
/** Where an answer's recommendations came from: the model, else best sellers, else the catalogue's order. */
export type RecommendationSource = Recommendations['model']['source'];

/** What the recommender asks of the mesh and the order history; each may fail (then it degrades). */
export interface RecommenderPorts {
  /** SKUs in the user's cart. */
  cartSkus(userId: string): Promise<string[]>;
  /** Best sellers from the order history (no model yet); empty without a database. */
  bestSellers(limit: number): Promise<{ sku: string; units: number }[]>;
  /** The catalogue's first SKUs in its order (no history at all). */
  catalogueSkus(limit: number): Promise<string[]>;
}

/**
 * Recommendations for one user: the model's neighbours of what the user has in the cart and bought before,
 * scored by summing each seed's similarity, then best sellers, then the catalogue's order to fill the list.
 * Never a SKU in the cart or in `exclude`. Without a model: best sellers from the order history, then the
 * catalogue's order.
 */
export class Recommender {
  constructor(
    private readonly model: () => RecommendationModel | undefined,
    private readonly logger: Logger,
    /** Told the source of every answer given (metrics attach here). */
    private readonly onAnswer: (source: RecommendationSource) => void = () => undefined,
  ) {}

  async recommend(
    ports: RecommenderPorts,
    request: { user_id: string; limit: number; exclude: readonly string[] },
  ): Promise<Recommendations> {
    const answer = await this.#answer(ports, request);
    this.onAnswer(answer.model.source);
    return answer;
  }

  async #answer(
    ports: RecommenderPorts,
    request: { user_id: string; limit: number; exclude: readonly string[] },
  ): Promise<Recommendations> {
    let cart: string[] = [];
    try {
      cart = await ports.cartSkus(request.user_id);
    } catch (e: unknown) {
      // Recommendations are a convenience: without the cart they still answer, just less well.
      this.logger.warn(
        { err: e instanceof Error ? e.message : String(e) },
        'cart unavailable; recommending without it',
      );
    }
    const excluded = new Set([...cart, ...request.exclude]);
    const model = knowing(this.model());
    if (model !== undefined) {
      const chosen = fromModel(model, request.user_id, cart, excluded, request.limit);
      // A young model knows few SKUs: the catalogue fills what it cannot (never what the user already has).
      const owned = new Set([...excluded, ...(model.user_items[request.user_id] ?? [])]);
      return {
        recommendations: await fillFromCatalogue(ports, chosen, owned, request.limit),
        model: { source: 'model', trained_at: model.trained_at },
      };
    }
    const sellers = await ports.bestSellers(request.limit + excluded.size).catch((e: unknown) => {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'order history unavailable');
      return [];
    });
    return {
      recommendations: await fillFromCatalogue(
        ports,
        fill([], sellers, excluded, request.limit),
        excluded,
        request.limit,
      ),
      model: { source: sellers.length > 0 ? 'best_sellers' : 'catalogue', trained_at: null },
    };
  }
}

/**
 * The model, unless it was trained from no orders at all (a fresh install's first run): such a model knows
 * nothing the live order history would not know better, so it is treated as no model until a run sees orders.
 */
function knowing(model: RecommendationModel | undefined): RecommendationModel | undefined {
  if (model === undefined) return undefined;
  return model.best_sellers.length > 0 ? model : undefined;
}

/**
 * Tops `chosen` up to `limit` with the catalogue's first SKUs (scored below everything else); when the
 * catalogue cannot be read, what was chosen is the answer (an error only if that is nothing).
 */
async function fillFromCatalogue(
  ports: RecommenderPorts,
  chosen: Recommendation[],
  excluded: ReadonlySet<string>,
  limit: number,
): Promise<Recommendation[]> {
  if (chosen.length >= limit) return chosen;
  const taken = new Set([...excluded, ...chosen.map((r) => r.sku)]);
  let skus: string[];
  try {
    skus = await ports.catalogueSkus(Math.min(100, limit + taken.size));
  } catch (e: unknown) {
    if (chosen.length > 0) return chosen;
    throw e;
  }
  const out = [...chosen];
  for (const sku of skus) {
    if (out.length >= limit) break;
    if (taken.has(sku)) continue;
    taken.add(sku);
    out.push({ sku, score: round(1 / (out.length + 1) / 1e6), reason: 'catalogue' });
  }
  return out;
}

/** Neighbours of the seeds (the cart and past purchases), best first, then best sellers. */
export function fromModel(
  model: RecommendationModel,
  userId: string,
  cart: readonly string[],
  excluded: ReadonlySet<string>,
  limit: number,
): Recommendation[] {
  const seeds = new Set([...cart, ...(model.user_items[userId] ?? [])]);
  const scores = new Map<string, number>();
  for (const seed of seeds) {
    for (const neighbour of model.neighbours[seed] ?? []) {
      if (excluded.has(neighbour.sku) || seeds.has(neighbour.sku)) continue;
      scores.set(neighbour.sku, (scores.get(neighbour.sku) ?? 0) + neighbour.score);
    }
  }
  const ranked: Recommendation[] = [...scores]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([sku, score]) => ({ sku, score: round(score), reason: 'bought_together' }));
  // Best sellers fill up with what the user has not already got (in the cart or bought before).
  return fill(ranked, model.best_sellers, new Set([...excluded, ...seeds]), limit);
}

/** Tops `chosen` up to `limit` with best sellers not chosen or excluded (scored below any neighbour). */
function fill(
  chosen: Recommendation[],
  sellers: readonly { sku: string; units: number }[],
  excluded: ReadonlySet<string>,
  limit: number,
): Recommendation[] {
  const out = [...chosen];
  const taken = new Set(out.map((r) => r.sku));
  const top = sellers[0]?.units ?? 1;
  for (const seller of sellers) {
    if (out.length >= limit) break;
    if (excluded.has(seller.sku) || taken.has(seller.sku)) continue;
    taken.add(seller.sku);
    out.push({ sku: seller.sku, score: round((seller.units / top) * 0.001), reason: 'best_seller' });
  }
  return out;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
