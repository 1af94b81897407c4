import {
  analyticsRecordEvent,
  analyticsRecordEvents,
  inventoryCommitReservation,
  inventoryCommitReservations,
  inventoryQuote,
  inventoryReleaseReservation,
  inventoryReserveItems,
  notificationSendEmail,
  notificationSendEmails,
  notificationSendSms,
  orderGet,
  orderProcessing,
  paymentProcess,
  paymentRefund,
  paymentStandingCharges,
  userGet,
} from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { DependencyDecls } from '@mesh/runtime';
import type { OrderSaga } from './order-saga.js';
import type { OrderResult } from './schemas.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface OrderServices {
  saga: OrderSaga;
}

const required = { required: true } as const;

/**
 * The saga's dependencies. Safe-to-repeat calls (reads, per-order idempotent reserve/commit/release/charge/
 * refund) are retried by the runtime with jittered backoff; each provider sits behind a circuit breaker.
 * Notifications and analytics are optional: the order never waits for them to exist. Their batch tools
 * (`notification_send_emails`, `analytics_record_events`) carry many orders per call; the single-item tools
 * are the fallback when a provider offers only those. Each is declared with its contract, so calls are typed
 * and results checked.
 */
export const orderDependencies = {
  quote: { contract: inventoryQuote, ...required, timeoutMs: 3_000, retries: 2 },
  user: { contract: userGet, ...required, timeoutMs: 3_000, retries: 3 },
  reserve: { contract: inventoryReserveItems, ...required, timeoutMs: 5_000, retries: 2 },
  release: { contract: inventoryReleaseReservation, ...required, timeoutMs: 5_000, retries: 2 },
  commit: { contract: inventoryCommitReservation, ...required, timeoutMs: 5_000, retries: 2 },
  /** Concurrent orders' commits in one call (batched-commits.ts); without it, `commit` one by one. */
  commitBatch: { contract: inventoryCommitReservations, timeoutMs: 5_000, retries: 2 },
  pay: { contract: paymentProcess, ...required, retries: 1 },
  refund: { contract: paymentRefund, ...required, timeoutMs: 10_000, retries: 2 },
  /** Reconciliation only (not on the order path): charges at the gateway with money standing. */
  standingCharges: { contract: paymentStandingCharges, timeoutMs: 30_000, retries: 1 },
  email: { contract: notificationSendEmail, retries: 0 },
  emailBatch: { contract: notificationSendEmails, retries: 0 },
  sms: { contract: notificationSendSms, retries: 0 },
  analytics: { contract: analyticsRecordEvent, retries: 0 },
  analyticsBatch: { contract: analyticsRecordEvents, retries: 0 },
} satisfies DependencyDecls;

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
  ...orderProcessing,
  name: 'process_order',
  tags: ['orders'],
  outcome: orderOutcome,
  handler: (input, ctx) => {
    ctx.span.setAttribute('order.id', input.order_id);
    return ctx.app.saga.process(input, { trace: ctx.trace, logger: ctx.logger });
  },
});

agent.tool({
  ...orderGet,
  name: 'get_order',
  tags: ['orders'],
  handler: (input, ctx) => {
    ctx.span.setAttribute('order.id', input.order_id);
    return ctx.app.saga.view(input.order_id);
  },
});
