import { paymentProcess, paymentRefund, paymentStandingCharges } from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { PaymentService } from './payment-service.js';

/** What services.ts builds for the handlers. */
export interface PaymentServices {
  payments: PaymentService;
}

/** payment-agent: charges and refunds orders through the payment gateway, once per order. */
export const agent = defineAgent<PaymentServices>({
  name: 'payment-agent',
  version: '1.0.0',
  description: 'Charges and refunds orders through a Stripe-like gateway; idempotent per order id.',
});

/** Leaves a little of the caller's time for the reply to travel back. */
function remainingMs(deadline: number): number {
  return Math.max(1, deadline - Date.now() - 50);
}

agent.tool({
  ...paymentProcess,
  name: 'payment_process',
  tags: ['payment'],
  // A declined card is the tool's answer, not an error; it is counted (and its span ends) as PAYMENT_DECLINED.
  outcome: (result) => (result.status === 'declined' ? 'PAYMENT_DECLINED' : undefined),
  handler: (input, ctx) => {
    ctx.span.setAttribute('order.id', input.order_id);
    return ctx.app.payments.process(
      input,
      { signal: ctx.signal, timeoutMs: remainingMs(ctx.deadline) },
      ctx.logger,
    );
  },
});

agent.tool({
  ...paymentRefund,
  name: 'payment_refund',
  tags: ['payment'],
  handler: (input, ctx) =>
    ctx.app.payments.refund(
      input.order_id,
      input.amount,
      { signal: ctx.signal, timeoutMs: remainingMs(ctx.deadline) },
      ctx.logger,
    ),
});

agent.tool({
  ...paymentStandingCharges,
  name: 'payment_standing_charges',
  tags: ['payment'],
  handler: (input, ctx) =>
    ctx.app.payments.standingCharges(input.created_since, input.max, {
      signal: ctx.signal,
      timeoutMs: remainingMs(ctx.deadline),
    }),
});
