import { cartGet, productList, recommendationGet } from '@mesh/contracts';
import { MeshError, defineAgent, type ContractProxy } from '@mesh/runtime';
import type { Recommender, RecommenderPorts } from './recommender.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface RecommendationServices {
  readonly recommender: Recommender;
  /** Best sellers from the order history (cached); empty without a database. */
  readonly bestSellers: (limit: number) => Promise<{ sku: string; units: number }[]>;
}

/** Reads repeat safely, so they retry; a slow cart only costs the exclusion, so it is given little time. */
const cart = { contract: cartGet, timeoutMs: 1_500, retries: 1 };
const catalogue = { contract: productList, timeoutMs: 2_000, retries: 2 };

function undeclared(capability: string): never {
  throw new MeshError('INTERNAL', `${capability} is not a dependency of this tool`);
}

function bindPorts(
  app: RecommendationServices,
  deps: { cart?: ContractProxy<typeof cartGet>; catalogue?: ContractProxy<typeof productList> },
): RecommenderPorts {
  return {
    cartSkus: async (userId) =>
      (await (deps.cart ?? undeclared('cart_get')).call({ user_id: userId })).lines.map((line) => line.sku),
    bestSellers: app.bestSellers,
    catalogueSkus: async (limit) =>
      (await (deps.catalogue ?? undeclared('product_list')).call({ limit })).products.map((p) => p.sku),
  };
}

/** recommendation-agent's declaration. Importing it connects to nothing (meshctl check reads it); main.ts runs it. */
export const agent = defineAgent<RecommendationServices>({
  name: 'recommendation-agent',
  version: '1.0.0',
  description: 'Recommendations from an item-to-item co-occurrence model trained on completed orders',
});

agent.tool({
  ...recommendationGet,
  name: 'recommendation_get',
  tags: ['recommendation'],
  dependencies: { cart, catalogue },
  handler: (input, ctx) => ctx.app.recommender.recommend(bindPorts(ctx.app, ctx.deps), input),
});
