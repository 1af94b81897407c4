import { MeshError } from '@mesh/common';
import type { ProductView } from '@mesh/contracts';
import type { CatalogueCache } from './catalogue-cache.js';

export interface ProductPage {
  products: ProductView[];
  total: number;
  limit: number;
  offset: number;
  next_offset: number | null;
}

/** A SKU missing from a copy at least this old makes one reload before NOT_FOUND (a product just added). */
const MISS_RELOAD_AGE_MS = 1_000;

/** Search, pages and lookups over the cached catalogue (sku order, as the inventory agent lists it). */
export class ProductService {
  constructor(private readonly catalogue: CatalogueCache) {}

  /** `q` matches a substring of the name or the SKU, ignoring case; an empty `q` matches everything. */
  async list(query: { q?: string | undefined; limit: number; offset: number }): Promise<ProductPage> {
    const { products } = await this.catalogue.current();
    const needle = (query.q ?? '').trim().toLowerCase();
    const matching =
      needle === ''
        ? products
        : products.filter(
            (product) =>
              product.name.toLowerCase().includes(needle) || product.sku.toLowerCase().includes(needle),
          );
    const end = query.offset + query.limit;
    return {
      products: matching.slice(query.offset, end),
      total: matching.length,
      limit: query.limit,
      offset: query.offset,
      next_offset: end < matching.length ? end : null,
    };
  }

  async get(sku: string): Promise<ProductView> {
    const found = (await this.lookup([sku])).products[0];
    if (found === undefined)
      throw new MeshError('NOT_FOUND', `no product with SKU ${sku}`, { data: { sku } });
    return found;
  }

  async lookup(skus: readonly string[]): Promise<{ products: ProductView[]; missing: string[] }> {
    const unique = [...new Set(skus)];
    let snapshot = await this.catalogue.current();
    if (unique.some((sku) => !snapshot.bySku.has(sku))) {
      snapshot = await this.catalogue.fresherThan(MISS_RELOAD_AGE_MS);
    }
    const products: ProductView[] = [];
    const missing: string[] = [];
    for (const sku of unique) {
      const product = snapshot.bySku.get(sku);
      if (product === undefined) missing.push(sku);
      else products.push(product);
    }
    return { products, missing };
  }
}
