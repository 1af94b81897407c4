import { defineAgent, z } from '@mesh/runtime';
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

const processInput = z.object({
  order_id: z.string().min(1).max(200),
  user_id: z.string().min(1).max(200),
  /** Major units, as the order total (99.99). */
  amount: z.number().positive().max(999_999.99),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/)
    .optional(),
  /** A gateway test token such as tok_visa (default), tok_chargeDeclined, tok_timeout. */
  payment_method: z.string().min(1).max(200).optional(),
});

const processOutput = z.object({
  status: z.enum(['succeeded', 'declined']),
  payment_id: z.string(),
  amount: z.number(),
  currency: z.string(),
  decline_code: z.string().optional(),
});

/** Leaves a little of the caller's time for the reply to travel back. */
function remainingMs(deadline: number): number {
  return Math.max(1, deadline - Date.now() - 50);
}

agent.tool({
  name: 'payment_process',
  capability: 'payment_process',
  version: '1.0.0',
  tags: ['payment'],
  description:
    'Charge an order once. Replays the first outcome for a repeated order_id. A declined card is status "declined" with decline_code, not an error.',
  idempotent: true,
  input: processInput,
  output: processOutput,
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
  name: 'payment_refund',
  capability: 'payment_refund',
  version: '1.0.0',
  tags: ['payment'],
  description:
    'Refund an order (all of it unless amount is given). Safe to repeat; an order never charged is voided so a late charge cannot happen.',
  idempotent: true,
  input: z.object({ order_id: z.string().min(1).max(200), amount: z.number().positive().optional() }),
  output: z.object({ status: z.literal('refunded'), refund_id: z.string().nullable(), amount: z.number() }),
  handler: (input, ctx) =>
    ctx.app.payments.refund(
      input.order_id,
      input.amount,
      { signal: ctx.signal, timeoutMs: remainingMs(ctx.deadline) },
      ctx.logger,
    ),
});

agent.tool({
  name: 'payment_standing_charges',
  capability: 'payment_standing_charges',
  version: '1.0.0',
  tags: ['payment'],
  description:
    'Succeeded charges at the gateway with money not yet refunded, created since created_since (epoch seconds), ' +
    'newest first, at most max. For reconciliation against the orders that did not complete.',
  idempotent: true,
  input: z.object({
    created_since: z.number().int().min(0),
    max: z.number().int().min(1).max(10_000).default(1_000),
  }),
  output: z.object({
    charges: z.array(
      z.object({
        order_id: z.string(),
        payment_id: z.string(),
        amount: z.number(),
        currency: z.string(),
        created: z.number(),
      }),
    ),
    truncated: z.boolean(),
  }),
  handler: (input, ctx) =>
    ctx.app.payments.standingCharges(input.created_since, input.max, {
      signal: ctx.signal,
      timeoutMs: remainingMs(ctx.deadline),
    }),
});
