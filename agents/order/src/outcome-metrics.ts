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
 * The store, counting each transition into a final state. A transition happens once per order (it is fenced by
 * the lease and a final state has no way out), so the counter counts orders, not attempts.
 */
export class OutcomeCountingStore implements OrderStore {
  constructor(
    private readonly store: OrderStore,
    private readonly metrics: OrderOutcomeMetrics,
  ) {}

  async transition(...args: Parameters<OrderStore['transition']>): Promise<OrderRecord> {
    const order = await this.store.transition(...args);
    if (isTerminal(order.state))
      this.metrics.outcomes.inc({ outcome: order.state, code: order.error?.code ?? '' });
    return order;
  }

  create(...args: Parameters<OrderStore['create']>): ReturnType<OrderStore['create']> {
    return this.store.create(...args);
  }
  get(...args: Parameters<OrderStore['get']>): ReturnType<OrderStore['get']> {
    return this.store.get(...args);
  }
  claim(...args: Parameters<OrderStore['claim']>): ReturnType<OrderStore['claim']> {
    return this.store.claim(...args);
  }
  claimStale(...args: Parameters<OrderStore['claimStale']>): ReturnType<OrderStore['claimStale']> {
    return this.store.claimStale(...args);
  }
  renew(...args: Parameters<OrderStore['renew']>): ReturnType<OrderStore['renew']> {
    return this.store.renew(...args);
  }
  release(...args: Parameters<OrderStore['release']>): ReturnType<OrderStore['release']> {
    return this.store.release(...args);
  }
  states(...args: Parameters<OrderStore['states']>): ReturnType<OrderStore['states']> {
    return this.store.states(...args);
  }
  markAnnounced(...args: Parameters<OrderStore['markAnnounced']>): ReturnType<OrderStore['markAnnounced']> {
    return this.store.markAnnounced(...args);
  }
  claimUnannounced(
    ...args: Parameters<OrderStore['claimUnannounced']>
  ): ReturnType<OrderStore['claimUnannounced']> {
    return this.store.claimUnannounced(...args);
  }
}
