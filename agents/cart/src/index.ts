/** Public API of the package: the declaration (for tests and tools), the configuration and the cart logic. */
export { agent } from './agent.js';
export { loadConfig } from './config.js';
export { CartService } from './cart-service.js';
export { checkout, orderIdFor } from './checkout.js';
export { MemoryCartStore } from './memory-cart-store.js';
export { PgCartStore, CART_MIGRATIONS } from './pg-cart-store.js';
export { RedisCartStore } from './redis-cart-store.js';
export type { CartStore, StoredCart } from './cart-store.js';
