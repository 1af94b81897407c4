import { MeshError } from '@mesh/common';
import type { ProductView } from '@mesh/contracts';
import type { CartPorts } from './cart-ports.js';

type OrderInput = Parameters<CartPorts['placeOrder']>[0];
type OrderOutput = Awaited<ReturnType<CartPorts['placeOrder']>>;

const product = (sku: string, cents: number, currency = 'usd'): ProductView => ({
  sku,
  name: `Product ${sku}`,
  price: cents / 100,
  price_cents: cents,
  currency,
  available: 10,
});

/**
 * A catalogue and an order agent as the cart sees them: the order side runs an order id once (a concurrent or
 * later duplicate gets the first outcome, replayed), refuses an id reused for other items (CONFLICT), and can
 * be told to fail, decline or lose its answer.
 */
export function fakePorts() {
  const catalogue = new Map<string, ProductView>([
    ['ITEM-1', product('ITEM-1', 999)],
    ['ITEM-2', product('ITEM-2', 1499)],
    ['ITEM-3', product('ITEM-3', 2990)],
    ['EUR-1', product('EUR-1', 500, 'eur')],
  ]);
  const orders = new Map<string, { body: string; outcome: Promise<OrderOutput> }>();
  const state = {
    /** Orders actually created (not replays). */
    created: [] as OrderInput[],
    /** The next orders' outcome: completed, failed with a code, or an error thrown (the answer lost). */
    mode: 'completed' as 'completed' | 'declined' | 'lost' | 'unavailable',
    /** Holds placeOrder answers until released (a slow saga). */
    gate: undefined as Promise<void> | undefined,
    lookups: 0,
  };
  const ports: CartPorts = {
    async lookupProducts(skus) {
      state.lookups += 1;
      const found = skus.flatMap((sku) => {
        const hit = catalogue.get(sku);
        return hit === undefined ? [] : [hit];
      });
      return { products: found, missing: skus.filter((sku) => !catalogue.has(sku)) };
    },
    async placeOrder(input) {
      const body = JSON.stringify(input.items);
      const known = orders.get(input.order_id);
      if (known !== undefined) {
        if (known.body !== body)
          throw new MeshError('CONFLICT', `order_id ${input.order_id} was already used`);
        return { ...(await known.outcome), replayed: true };
      }
      if (state.mode === 'lost') throw new MeshError('TIMEOUT', 'order_processing timed out');
      if (state.mode === 'unavailable')
        throw new MeshError('DEPENDENCY_UNAVAILABLE', 'no order_processing provider');
      const mode = state.mode;
      const gate = state.gate;
      state.created.push(input);
      const outcome = (async (): Promise<OrderOutput> => {
        if (gate !== undefined) await gate;
        return mode === 'completed'
          ? {
              status: 'completed',
              order_id: input.order_id,
              payment_id: `pay-${input.order_id}`,
              state: 'completed',
              replayed: false,
            }
          : {
              status: 'failed',
              order_id: input.order_id,
              error: { code: 'PAYMENT_DECLINED', message: 'card declined' },
              state: 'failed',
              replayed: false,
            };
      })();
      orders.set(input.order_id, { body, outcome });
      return outcome;
    },
  };
  return { ports, state, catalogue, orders };
}
