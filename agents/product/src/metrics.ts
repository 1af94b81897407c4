import type { Counter, Gauge } from 'prom-client';
import { Registry } from 'prom-client';
import { metricsIn } from '@mesh/common';
import type { CatalogueCacheEvents } from './catalogue-cache.js';

/**
 * The product agent's own metrics: how old the catalogue it serves is, how its reloads from the inventory
 * agent go, and how many reads a stale copy answered while they failed. In a registry of their own so the
 * runtime's /metrics can include them.
 */
export class ProductMetrics {
  readonly registry = new Registry();
  readonly loads: Counter<'outcome'>;
  readonly loadedAt: Gauge;
  readonly products: Gauge;
  readonly staleReads: Counter;

  constructor() {
    const metric = metricsIn(this.registry);
    this.loads = metric.counter(
      'product_catalogue_loads_total',
      'Catalogue reloads from the inventory agent by outcome (ok, failed).',
      ['outcome'],
    );
    this.loadedAt = metric.gauge(
      'product_catalogue_loaded_timestamp_seconds',
      'When the catalogue copy served was loaded (Unix time; 0 before the first load). Its age is time() minus this.',
    );
    this.products = metric.gauge('product_catalogue_products', 'Products in the catalogue copy served.');
    this.staleReads = metric.counter(
      'product_catalogue_stale_reads_total',
      'Reads answered from a copy older than PRODUCT_CACHE_TTL because the reload failed (inventory agent unreachable).',
    );
    // Both outcomes from the start, so rate() sees the first failure and the panel is never empty.
    for (const outcome of ['ok', 'failed']) this.loads.inc({ outcome }, 0);
  }

  /** The cache's events, counted here (the cache knows nothing of Prometheus). */
  cacheEvents(): CatalogueCacheEvents {
    return {
      onLoad: (products, loadedAtMs) => {
        this.loads.inc({ outcome: 'ok' });
        this.loadedAt.set(loadedAtMs / 1000);
        this.products.set(products);
      },
      onLoadFailed: () => this.loads.inc({ outcome: 'failed' }),
      onStaleRead: () => this.staleReads.inc(),
    };
  }
}
