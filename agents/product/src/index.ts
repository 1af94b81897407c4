/** Public API of the package: the declaration (for tests and tools) and the configuration. */
export { agent } from './agent.js';
export { loadConfig } from './config.js';
export { CatalogueCache } from './catalogue-cache.js';
export { ProductService } from './product-service.js';
