import {
  cartAddItems,
  cartCheckout,
  cartClear,
  cartGet,
  cartSetItems,
  orderProcessing,
  productLookup,
} from '@mesh/contracts';
import { MeshError, defineAgent, type ContractProxy } from '@mesh/runtime';
import type { CartPorts } from './cart-ports.js';
import type { CartService } from './cart-service.js';
import { checkout } from './checkout.js';
import { countedCheckout } from './counted-checkout.js';
import type { CartMetrics } from './metrics.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface CartServices {
  readonly carts: CartService;
  /** How long a checkout waits for the order saga. */
  readonly checkoutTimeoutMs: number;
  /** Checkouts by outcome, and the store in use. */
  readonly metrics: CartMetrics;
}

/** Prices: reads repeat safely, so they retry. */
const products = { contract: productLookup, timeoutMs: 3_000, retries: 2, required: true };
/** A placed order is safe to send again (same order id, same outcome), so a transport failure retries once. */
const order = { contract: orderProcessing, timeoutMs: 45_000, retries: 1, required: true };

function undeclared(capability: string): never {
  throw new MeshError('INTERNAL', `${capability} is not a dependency of this tool`);
}

/** Binds the service's ports to this call's dependency proxies (so trace and deadline flow through). */
function bindPorts(
  deps: { products?: ContractProxy<typeof productLookup>; order?: ContractProxy<typeof orderProcessing> },
  orderTimeoutMs?: number,
): CartPorts {
  return {
    lookupProducts: (skus) => (deps.products ?? undeclared('product_lookup')).call({ skus }),
    placeOrder: (input) =>
      (deps.order ?? undeclared('order_processing')).call(
        input,
        orderTimeoutMs === undefined ? {} : { timeoutMs: orderTimeoutMs },
      ),
  };
}

/** cart-agent's declaration. Importing it connects to nothing (meshctl check reads it); main.ts runs it. */
export const agent = defineAgent<CartServices>({
  name: 'cart-agent',
  version: '1.0.0',
  description: 'Per-user carts shared by replicas (Redis, else PostgreSQL), checked out as orders',
});

agent.tool({
  ...cartGet,
  name: 'cart_get',
  tags: ['cart'],
  dependencies: { products },
  handler: (input, ctx) => ctx.app.carts.withPorts(bindPorts(ctx.deps)).get(input.user_id),
});

agent.tool({
  ...cartAddItems,
  name: 'cart_add_items',
  tags: ['cart'],
  dependencies: { products },
  handler: (input, ctx) => ctx.app.carts.withPorts(bindPorts(ctx.deps)).add(input.user_id, input.items),
});

agent.tool({
  ...cartSetItems,
  name: 'cart_set_items',
  tags: ['cart'],
  dependencies: { products },
  handler: (input, ctx) => ctx.app.carts.withPorts(bindPorts(ctx.deps)).set(input.user_id, input.items),
});

agent.tool({
  ...cartClear,
  name: 'cart_clear',
  tags: ['cart'],
  dependencies: { products },
  handler: (input, ctx) => ctx.app.carts.withPorts(bindPorts(ctx.deps)).clear(input.user_id),
});

agent.tool({
  ...cartCheckout,
  name: 'cart_checkout',
  tags: ['cart', 'orders'],
  dependencies: { products, order },
  handler: (input, ctx) =>
    countedCheckout(ctx.app.metrics, () =>
      checkout(ctx.app.carts.withPorts(bindPorts(ctx.deps, ctx.app.checkoutTimeoutMs)), input, ctx.logger),
    ),
});
