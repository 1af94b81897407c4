import { MeshError, type Logger } from '@mesh/common';
import type { ProductView } from '@mesh/contracts';

/** One page of the inventory agent's catalogue, as `inventory_list_products` answers it. */
export interface CataloguePage {
  products: { sku: string; name: string; price: number; currency: string; available: number }[];
  next_offset: number | null;
}

/** Reads one page from the source of truth (the inventory agent, through the mesh). */
export type PageReader = (limit: number, offset: number) => Promise<CataloguePage>;

/** What the cache reports as it works (metrics attach here). */
export interface CatalogueCacheEvents {
  /** A reload succeeded: the copy now served holds `products`, loaded at `loadedAtMs` (the cache's clock). */
  onLoad?(products: number, loadedAtMs: number): void;
  /** A reload failed (the inventory agent could not answer, or answered nonsense). */
  onLoadFailed?(error: unknown): void;
  /** A read was answered from a copy older than the TTL because its reload failed. */
  onStaleRead?(ageMs: number): void;
}

export interface CatalogueCacheOptions {
  readPage: PageReader;
  /** A copy younger than this is served without asking the inventory agent. */
  ttlMs: number;
  /** While the inventory agent cannot answer, a copy up to this old is still served (then errors). */
  maxStaleMs: number;
  /** The most products held (the load stops there, and says so). */
  maxProducts: number;
  logger: Logger;
  now?: () => number;
  events?: CatalogueCacheEvents;
}

interface Snapshot {
  products: readonly ProductView[];
  bySku: ReadonlyMap<string, ProductView>;
  loadedAt: number;
}

const PAGE = 100;

/** Catalogue prices are whole cents: rounding the major-unit price gives them back exactly. */
export function toProductView(row: CataloguePage['products'][number]): ProductView {
  return {
    sku: row.sku,
    name: row.name,
    price: row.price,
    price_cents: Math.round(row.price * 100),
    currency: row.currency,
    available: row.available,
  };
}

/**
 * The whole catalogue in memory, reloaded when older than `ttlMs`: search needs every product (a substring
 * match cannot be paged at the source), and a shop's catalogue of a few thousand SKUs is a few hundred KB.
 * One reload runs at a time (concurrent readers share it). A reader sees prices and stock at most `ttlMs`
 * plus one reload old; when the inventory agent is down, at most `maxStaleMs` old, then the error.
 */
export class CatalogueCache {
  readonly #options: CatalogueCacheOptions;
  readonly #now: () => number;
  #snapshot: Snapshot | undefined;
  #loading: Promise<Snapshot> | undefined;

  constructor(options: CatalogueCacheOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A copy no older than the TTL (or a stale one within maxStaleMs when reloading fails). */
  async current(): Promise<Snapshot> {
    const snapshot = this.#snapshot;
    if (snapshot !== undefined && this.#now() - snapshot.loadedAt < this.#options.ttlMs) return snapshot;
    return this.#reload(snapshot);
  }

  /** A copy loaded after `sinceMs` ago at most: used when a SKU is missing from the current copy. */
  async fresherThan(ageMs: number): Promise<Snapshot> {
    const snapshot = await this.current();
    if (this.#now() - snapshot.loadedAt <= ageMs) return snapshot;
    return this.#reload(snapshot);
  }

  async #reload(stale: Snapshot | undefined): Promise<Snapshot> {
    this.#loading ??= this.#load()
      .then(
        (snapshot) => {
          this.#options.events?.onLoad?.(snapshot.products.length, snapshot.loadedAt);
          return snapshot;
        },
        (e: unknown) => {
          // Once per reload, however many readers wait on it.
          this.#options.events?.onLoadFailed?.(e);
          throw e;
        },
      )
      .finally(() => {
        this.#loading = undefined;
      });
    try {
      return await this.#loading;
    } catch (e: unknown) {
      const ageMs = stale === undefined ? Infinity : this.#now() - stale.loadedAt;
      if (stale !== undefined && ageMs < this.#options.maxStaleMs) {
        this.#options.logger.warn(
          { err: e instanceof Error ? e.message : String(e), ageMs },
          'catalogue reload failed; serving the previous copy',
        );
        this.#options.events?.onStaleRead?.(ageMs);
        return stale;
      }
      throw e;
    }
  }

  async #load(): Promise<Snapshot> {
    const products: ProductView[] = [];
    let offset: number | null = 0;
    // Bounded: at most maxProducts / PAGE + 1 pages, whatever the source answers.
    for (let pages = 0; offset !== null && pages <= this.#options.maxProducts / PAGE; pages += 1) {
      const page: CataloguePage = await this.#options.readPage(PAGE, offset);
      for (const row of page.products) products.push(toProductView(row));
      if (page.next_offset !== null && page.next_offset <= offset) {
        throw new MeshError(
          'INVALID_RESPONSE',
          `catalogue page at ${offset} points back to ${page.next_offset}`,
        );
      }
      offset = page.next_offset;
      if (products.length >= this.#options.maxProducts) break;
    }
    if (offset !== null) {
      this.#options.logger.warn(
        { held: products.length, maxProducts: this.#options.maxProducts },
        'catalogue larger than PRODUCT_CACHE_MAX_PRODUCTS; the rest is not served',
      );
    }
    const held = products.slice(0, this.#options.maxProducts);
    const snapshot: Snapshot = {
      products: held,
      bySku: new Map(held.map((product) => [product.sku, product])),
      loadedAt: this.#now(),
    };
    this.#snapshot = snapshot;
    return snapshot;
  }
}
