import { inventoryListProducts, productGet, productList, productLookup } from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { ProductService } from './product-service.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface ProductServices {
  readonly products: ProductService;
}

/** product-agent's declaration. Importing it connects to nothing (meshctl check reads it); main.ts runs it. */
export const agent = defineAgent<ProductServices>({
  name: 'product-agent',
  version: '1.0.0',
  description: "The shop's catalogue: search, pages and one product by SKU, cached from the inventory agent",
});

/**
 * The catalogue's source: the inventory agent's public page of it (prices and what can be ordered now).
 * Declared outside any tool because the cache reloads for every tool; reads repeat safely, so they retry.
 */
export const catalogueDeps = agent.consumer({
  pages: { contract: inventoryListProducts, timeoutMs: 3_000, retries: 2, required: true },
});

agent.tool({
  ...productList,
  name: 'product_list',
  tags: ['product', 'catalogue'],
  handler: (input, ctx) => ctx.app.products.list(input),
});

agent.tool({
  ...productGet,
  name: 'product_get',
  tags: ['product', 'catalogue'],
  handler: (input, ctx) => ctx.app.products.get(input.sku),
});

agent.tool({
  ...productLookup,
  name: 'product_lookup',
  tags: ['product', 'catalogue'],
  handler: (input, ctx) => ctx.app.products.lookup(input.skus),
});
