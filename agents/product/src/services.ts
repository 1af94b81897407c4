import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import { catalogueDeps, type ProductServices } from './agent.js';
import { CatalogueCache, type PageReader } from './catalogue-cache.js';
import type { ProductConfig } from './config.js';
import { ProductMetrics } from './metrics.js';
import { ProductService } from './product-service.js';

/** product-agent's services for runAgentMain: the catalogue cache over the inventory agent, its search and its metrics. */
export function buildServices(
  config: ProductConfig,
  logger: Logger,
  readPage: PageReader = (limit, offset) => catalogueDeps.pages.call({ limit, offset }),
): AgentServices<ProductServices> {
  const metrics = new ProductMetrics();
  const catalogue = new CatalogueCache({
    readPage,
    ttlMs: config.cacheTtlMs,
    maxStaleMs: config.cacheMaxStaleMs,
    maxProducts: config.cacheMaxProducts,
    logger,
    events: metrics.cacheEvents(),
  });
  logger.info(
    { ttlMs: config.cacheTtlMs, maxStaleMs: config.cacheMaxStaleMs, maxProducts: config.cacheMaxProducts },
    'catalogue cache configured',
  );
  return { app: { products: new ProductService(catalogue) }, metrics: [metrics.registry] };
}
