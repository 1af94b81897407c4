import { defineAgent } from '@mesh/runtime';

/**
 * api-gateway: the HTTP edge. It provides no tools; it consumes the mesh. Importing this module has no side
 * effects.
 */
export const agent = defineAgent<undefined>({
  name: 'api-gateway',
  version: '1.0.0',
  description:
    'HTTP edge: orders, the product catalogue, login, users and health over the mesh, with JWT auth and rate limits',
});

/**
 * The gateway's upstream capabilities. Order processing is not retried by the runtime (a duplicate would only
 * wait for the first run anyway, and the client holds the order_id to retry with); reads and token checks are.
 */
export const gatewayDeps = agent.consumer({
  order: { capability: 'order_processing', version: '>=1.0.0', required: true, retries: 0 },
  orderGet: { capability: 'order_get', version: '>=1.0.0', retries: 2, idempotent: true },
  login: { capability: 'auth_login', version: '>=1.0.0', retries: 0 },
  verify: {
    capability: 'auth_verify_token',
    version: '>=1.0.0',
    required: true,
    retries: 2,
    idempotent: true,
  },
  user: { capability: 'user_get', version: '>=1.0.0', retries: 2, idempotent: true },
  products: { capability: 'inventory_list_products', version: '>=1.0.0', retries: 2, idempotent: true },
});
