import { MeshError, silentLogger } from '@mesh/common';
import { seriesValue } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { CatalogueCache, type CataloguePage } from './catalogue-cache.js';
import { ProductMetrics } from './metrics.js';

const rows = [
  { sku: 'ITEM-1', name: 'Blue Mug', price: 9.99, currency: 'usd', available: 5 },
  { sku: 'ITEM-2', name: 'Teapot', price: 29.9, currency: 'usd', available: 2 },
];

/** A cache over a source that can be made to fail, with its metrics and a clock the test moves. */
function cached() {
  const clock = { now: 1_700_000_000_000 };
  const state = { failing: false };
  const metrics = new ProductMetrics();
  const readPage = async (): Promise<CataloguePage> => {
    if (state.failing) throw new MeshError('DEPENDENCY_UNAVAILABLE', 'inventory is down');
    return { products: rows, next_offset: null };
  };
  const cache = new CatalogueCache({
    readPage,
    ttlMs: 5_000,
    maxStaleMs: 60_000,
    maxProducts: 100,
    logger: silentLogger(),
    now: () => clock.now,
    events: metrics.cacheEvents(),
  });
  return { clock, state, metrics, cache };
}

describe('ProductMetrics', () => {
  it('serves both load outcomes at 0, and no load time, before the first load', async () => {
    const { metrics } = cached();
    const text = await metrics.registry.metrics();
    expect(text).toContain('product_catalogue_loads_total{outcome="ok"} 0');
    expect(text).toContain('product_catalogue_loads_total{outcome="failed"} 0');
    expect(text).toContain('product_catalogue_loaded_timestamp_seconds 0');
  });

  it('records when the copy was loaded and how many products it holds', async () => {
    const { clock, metrics, cache } = cached();
    await cache.current();
    // Within the TTL: served from memory, not loaded again.
    clock.now += 1_000;
    await cache.current();
    expect(await seriesValue(metrics, 'product_catalogue_loads_total', { outcome: 'ok' })).toBe(1);
    expect(await seriesValue(metrics, 'product_catalogue_loaded_timestamp_seconds')).toBe(1_700_000_000);
    expect(await seriesValue(metrics, 'product_catalogue_products')).toBe(2);
  });

  it('counts failed reloads once each and every read a stale copy answered while the inventory agent is down', async () => {
    const { clock, state, metrics, cache } = cached();
    await cache.current();
    state.failing = true;
    clock.now += 10_000;
    // Two readers share one failed reload, and both are answered from the stale copy.
    await Promise.all([cache.current(), cache.current()]);
    clock.now += 10_000;
    await cache.current();
    expect(await seriesValue(metrics, 'product_catalogue_loads_total', { outcome: 'failed' })).toBe(2);
    expect(await seriesValue(metrics, 'product_catalogue_stale_reads_total')).toBe(3);
    // The copy served is still the first one.
    expect(await seriesValue(metrics, 'product_catalogue_loaded_timestamp_seconds')).toBe(1_700_000_000);

    // Beyond PRODUCT_CACHE_MAX_STALE the read fails: not a stale answer.
    clock.now += 60_000;
    await expect(cache.current()).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(await seriesValue(metrics, 'product_catalogue_stale_reads_total')).toBe(3);
    expect(await seriesValue(metrics, 'product_catalogue_loads_total', { outcome: 'failed' })).toBe(3);

    state.failing = false;
    await cache.current();
    expect(await seriesValue(metrics, 'product_catalogue_loaded_timestamp_seconds')).toBe(1_700_000_080);
  });
});
