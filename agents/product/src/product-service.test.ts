import { MeshError, silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { CatalogueCache, type CataloguePage } from './catalogue-cache.js';
import { ProductService } from './product-service.js';

const rows = [
  { sku: 'ITEM-1', name: 'Blue Mug', price: 9.99, currency: 'usd', available: 5 },
  { sku: 'ITEM-2', name: 'Red mug', price: 14.99, currency: 'usd', available: 0 },
  { sku: 'ITEM-3', name: 'Teapot', price: 29.9, currency: 'usd', available: 2 },
  { sku: 'MUG-X', name: 'Spoon', price: 0.3, currency: 'usd', available: 100 },
];

/** A catalogue source over `catalogue` (mutable), paging as the inventory agent does, counting reads. */
function source(catalogue = [...rows]) {
  const state = { reads: 0, failing: false, catalogue };
  const readPage = async (limit: number, offset: number): Promise<CataloguePage> => {
    state.reads += 1;
    if (state.failing) throw new MeshError('DEPENDENCY_UNAVAILABLE', 'inventory is down');
    const end = offset + limit;
    return {
      products: state.catalogue.slice(offset, end),
      next_offset: end < state.catalogue.length ? end : null,
    };
  };
  return { state, readPage };
}

function service(options: { pageSize?: number; maxProducts?: number } = {}) {
  const clock = { now: 1_000_000 };
  const src = source();
  const catalogue = new CatalogueCache({
    readPage: src.readPage,
    ttlMs: 5_000,
    maxStaleMs: 60_000,
    maxProducts: options.maxProducts ?? 10_000,
    logger: silentLogger(),
    now: () => clock.now,
  });
  return { clock, src, products: new ProductService(catalogue) };
}

describe('ProductService', () => {
  it('matches q against names and SKUs as a case-insensitive substring', async () => {
    const { products } = service();
    const page = await products.list({ q: 'MUG', limit: 10, offset: 0 });
    expect(page.products.map((p) => p.sku)).toEqual(['ITEM-1', 'ITEM-2', 'MUG-X']);
    expect(page.total).toBe(3);
    expect(page.next_offset).toBeNull();
  });

  it('pages with limit and offset and points at the next page', async () => {
    const { products } = service();
    const first = await products.list({ limit: 3, offset: 0 });
    expect(first.products.map((p) => p.sku)).toEqual(['ITEM-1', 'ITEM-2', 'ITEM-3']);
    expect(first).toMatchObject({ total: 4, limit: 3, offset: 0, next_offset: 3 });
    const second = await products.list({ limit: 3, offset: first.next_offset! });
    expect(second.products.map((p) => p.sku)).toEqual(['MUG-X']);
    expect(second.next_offset).toBeNull();
    expect((await products.list({ limit: 3, offset: 99 })).products).toEqual([]);
  });

  it('gives prices in whole cents exactly', async () => {
    const { products } = service();
    expect(await products.get('ITEM-3')).toEqual({
      sku: 'ITEM-3',
      name: 'Teapot',
      price: 29.9,
      price_cents: 2990,
      currency: 'usd',
      available: 2,
    });
    expect((await products.get('MUG-X')).price_cents).toBe(30);
  });

  it('answers NOT_FOUND for an unknown SKU, after one reload of an older copy', async () => {
    const { products, src, clock } = service();
    await products.list({ limit: 1, offset: 0 });
    const reads = src.state.reads;
    clock.now += 2_000;
    await expect(products.get('NOPE')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(src.state.reads).toBeGreaterThan(reads);
  });

  it('finds a SKU added since the copy was taken', async () => {
    const { products, src, clock } = service();
    await products.get('ITEM-1');
    src.state.catalogue.push({ sku: 'NEW-1', name: 'New', price: 1, currency: 'usd', available: 1 });
    clock.now += 1_500;
    expect((await products.get('NEW-1')).sku).toBe('NEW-1');
  });

  it('looks up several SKUs and lists the unknown ones', async () => {
    const { products } = service();
    const found = await products.lookup(['ITEM-2', 'NOPE', 'ITEM-2']);
    expect(found.products.map((p) => p.sku)).toEqual(['ITEM-2']);
    expect(found.missing).toEqual(['NOPE']);
  });

  it('serves its copy for the TTL, then reloads', async () => {
    const { products, src, clock } = service();
    await products.list({ limit: 1, offset: 0 });
    const reads = src.state.reads;
    clock.now += 4_999;
    await products.list({ limit: 1, offset: 0 });
    expect(src.state.reads).toBe(reads);
    src.state.catalogue[0] = { ...rows[0]!, price: 10.5 };
    clock.now += 1;
    expect((await products.get('ITEM-1')).price_cents).toBe(1050);
    expect(src.state.reads).toBeGreaterThan(reads);
  });

  it('shares one reload among concurrent readers', async () => {
    const { products, src } = service();
    await Promise.all([1, 2, 3, 4].map(() => products.list({ limit: 1, offset: 0 })));
    // 4 products in pages of 100: one page for all four readers.
    expect(src.state.reads).toBe(1);
  });

  it('serves a stale copy while the source is down, up to maxStale, then fails', async () => {
    const { products, src, clock } = service();
    await products.get('ITEM-1');
    src.state.failing = true;
    clock.now += 30_000;
    expect((await products.get('ITEM-1')).sku).toBe('ITEM-1');
    clock.now += 31_000;
    await expect(products.get('ITEM-1')).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });

  it('fails without a copy when the source is down', async () => {
    const { products, src } = service();
    src.state.failing = true;
    await expect(products.list({ limit: 5, offset: 0 })).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
  });

  it('holds at most maxProducts', async () => {
    const { products } = service({ maxProducts: 2 });
    expect((await products.list({ limit: 10, offset: 0 })).total).toBe(2);
  });
});
