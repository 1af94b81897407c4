import { Counter, Registry } from 'prom-client';
import type { OrderRecord, OrderStore } from './order-store.js';
import { isTerminal } from './order-state.js';

/**
 * Orders by how they ended, counted where the saga persists the end: the only place that sees every order once,
 * whoever drove it (the first run, recovery after a crash, another replica). The gateway counts answers, which
 * cannot tell a compensated order (charge refunded, stock released) from one that failed before any side effect.
 */
export class OrderOutcomeMetrics {
  readonly registry = new Registry();
  readonly outcomes: Counter<'outcome' | 'code'>;

  constructor() {
    this.outcomes = new Counter({
      name: 'order_outcomes_total',
      help: 'Orders that reached a final state: completed, failed (before any side effect) or compensated, with the failure code.',
      // outcome: the final state, 'completed', 'failed' or 'compensated'; code: the failure's ('' when none).
      labelNames: ['outcome', 'code'],
      registers: [this.registry],
    });
  }
}

/**
 * The store, counting each transition into a final state, and each order created in one. A transition happens
 * once per order (it is fenced by the lease and a final state has no way out) and a create once, so the counter
 * counts orders, not attempts. Every other method is the store's own.
 */
export function countingOutcomes(store: OrderStore, metrics: OrderOutcomeMetrics): OrderStore {
  const transition: OrderStore['transition'] = async (...args) => {
    const order: OrderRecord = await store.transition(...args);
    if (isTerminal(order.state))
      metrics.outcomes.inc({ outcome: order.state, code: order.error?.code ?? '' });
    return order;
  };
  // An order that failed before it was stored is decided by its first write: counted once, when it is created.
  const create: OrderStore['create'] = async (...args) => {
    const outcome = await store.create(...args);
    if (outcome.created && isTerminal(outcome.order.state)) {
      metrics.outcomes.inc({ outcome: outcome.order.state, code: outcome.order.error?.code ?? '' });
    }
    return outcome;
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'transition') return transition;
      if (property === 'create') return create;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
