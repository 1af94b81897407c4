import {
  authLogin,
  authRevocations,
  authSigningKeys,
  cartAddItems,
  cartCheckout,
  cartClear,
  cartGet,
  cartSetItems,
  orderGet,
  orderProcessing,
  productGet,
  productList,
  recommendationGet,
  userGet,
} from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';

/**
 * api-gateway: the HTTP edge. It provides no tools; it consumes the mesh. Importing this module has no side
 * effects.
 */
export const agent = defineAgent<undefined>({
  name: 'api-gateway',
  version: '1.0.0',
  description:
    'HTTP edge: orders, the product catalogue, carts, recommendations, login, users and health over the mesh, with JWT auth and rate limits',
});

/**
 * The gateway's upstream capabilities. Order processing is not retried by the runtime (a duplicate would only
 * wait for the first run anyway, and the client holds the order_id to retry with); reads are.
 */
export const gatewayDeps = agent.consumer({
  order: { contract: orderProcessing, required: true, retries: 0 },
  orderGet: { contract: orderGet, retries: 2 },
  login: { contract: authLogin, retries: 0 },
  // Tokens are verified here with auth's published keys; these two keep the copy fresh in the background.
  signingKeys: { contract: authSigningKeys, retries: 2 },
  revocations: { contract: authRevocations, retries: 1 },
  user: { contract: userGet, retries: 2 },
  products: { contract: productList, retries: 2 },
  product: { contract: productGet, retries: 2 },
  cart: { contract: cartGet, retries: 2 },
  // Adding is not idempotent (it adds again): never retried. Setting and clearing are.
  cartAdd: { contract: cartAddItems, retries: 0 },
  cartSet: { contract: cartSetItems, retries: 2 },
  cartClear: { contract: cartClear, retries: 2 },
  // Checkout is safe to send again (the cart claims one order per key or cart version).
  checkout: { contract: cartCheckout, retries: 1 },
  recommendations: { contract: recommendationGet, retries: 2 },
});
