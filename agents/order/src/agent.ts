import { defineAgent } from '@mesh/runtime';
import type { DependencySpec } from '@mesh/runtime';
import type { OrderSaga } from './order-saga.js';
import { getOrderInput, orderInput, orderResultSchema, orderViewSchema } from './schemas.js';
import type { OrderResult } from './schemas.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface OrderServices {
  saga: OrderSaga;
}

const required = { version: '>=1.0.0', required: true } as const;

/**
 * The saga's dependencies. Safe-to-repeat calls (reads, per-order idempotent reserve/commit/release/charge/
 * refund) are retried by the runtime with jittered backoff; each provider sits behind a circuit breaker.
 * Notifications and analytics are optional: the order never waits for them to exist. Their batch tools
 * (`notification_send_emails`, `analytics_record_events`) carry many orders per call; the single-item tools
 * are the fallback when a provider offers only those.
 */
export const orderDependencies = {
  quote: { capability: 'inventory_quote', ...required, timeoutMs: 3_000, retries: 2, idempotent: true },
  user: { capability: 'user_get', ...required, timeoutMs: 3_000, retries: 3, idempotent: true },
  reserve: {
    capability: 'inventory_reserve_items',
    ...required,
    timeoutMs: 5_000,
    retries: 2,
    idempotent: true,
  },
  release: {
    capability: 'inventory_release_reservation',
    ...required,
    timeoutMs: 5_000,
    retries: 2,
    idempotent: true,
  },
  commit: {
    capability: 'inventory_commit_reservation',
    ...required,
    timeoutMs: 5_000,
    retries: 2,
    idempotent: true,
  },
  pay: { capability: 'payment_process', ...required, retries: 1, idempotent: true },
  refund: { capability: 'payment_refund', ...required, timeoutMs: 10_000, retries: 2, idempotent: true },
  /** Reconciliation only (not on the order path): charges at the gateway with money standing. */
  standingCharges: {
    capability: 'payment_standing_charges',
    version: '>=1.0.0',
    timeoutMs: 30_000,
    retries: 1,
    idempotent: true,
  },
  email: { capability: 'notification_send_email', version: '>=1.0.0', retries: 0 },
  emailBatch: { capability: 'notification_send_emails', version: '>=1.0.0', retries: 0 },
  sms: { capability: 'notification_send_sms', version: '>=1.0.0', retries: 0 },
  analytics: { capability: 'analytics_record_event', version: '>=1.0.0', retries: 0 },
  analyticsBatch: { capability: 'analytics_record_events', version: '>=1.0.0', retries: 0 },
} satisfies Record<string, DependencySpec>;

/**
 * order-agent: runs the order saga. Importing this module has no side effects.
 */
export const agent = defineAgent<OrderServices>({
  name: 'order-agent',
  version: '1.0.0',
  description:
    'Processes orders as a persisted saga: price from the catalogue, validate user, reserve stock, charge, commit, confirm; compensates on failure',
});

/**
 * The proxies the saga calls through, declared once, here. They are not bound to one tool call, so a
 * compensation (refund, release) still runs after the caller has given up, and recovery can use them outside
 * any handler. Their required ones gate /ready, and `meshctl check` reads them from the manifest, so the tool
 * below declares none of its own (it did once, which registered and resolved each capability twice).
 */
export const sagaDeps = agent.consumer(orderDependencies);

/**
 * A failed order (declined, out of stock, unknown user…) is the tool's answer, not an error: its code is the
 * call's outcome, so metrics and the span's status do not count it as ok.
 */
export function orderOutcome(result: OrderResult): string | undefined {
  return result.status === 'failed' ? (result.error?.code ?? 'ORDER_FAILED') : undefined;
}

agent.tool({
  name: 'process_order',
  capability: 'order_processing',
  version: '1.0.0',
  tags: ['orders'],
  description:
    'Processes an order end to end, charging the catalogue price. Same order_id = same outcome (a concurrent ' +
    'duplicate waits for it); {status:"completed", order_id, payment_id} or {status:"failed", order_id, ' +
    'error:{code,message}}. Refused before anything happens: PRICE_MISMATCH (data.expected_total) when total ' +
    'is more than a cent off, UNSUPPORTED_CURRENCY, TOTAL_OUT_OF_RANGE, UNKNOWN_SKU (data.skus).',
  input: orderInput,
  output: orderResultSchema,
  idempotent: true,
  outcome: orderOutcome,
  handler: (input, ctx) => {
    ctx.span.setAttribute('order.id', input.order_id);
    return ctx.app.saga.process(input, { trace: ctx.trace, logger: ctx.logger });
  },
});

agent.tool({
  name: 'get_order',
  capability: 'order_get',
  version: '1.0.0',
  tags: ['orders'],
  description:
    'An order with its status (processing, completed, failed) and saga state. NOT_FOUND when unknown.',
  input: getOrderInput,
  output: orderViewSchema,
  idempotent: true,
  handler: (input, ctx) => {
    ctx.span.setAttribute('order.id', input.order_id);
    return ctx.app.saga.view(input.order_id);
  },
});
