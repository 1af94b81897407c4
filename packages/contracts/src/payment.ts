import { z } from 'zod';
import { defineContract } from './define-contract.js';
import type { ContractOutput } from './define-contract.js';

/** The payment agent's capabilities: one charge per order, refunds, and what the gateway still holds. */

export const MAX_AMOUNT = 999_999.99;

export const paymentProcess = defineContract({
  capability: 'payment_process',
  version: '1.0.0',
  description:
    'Charge an order once. Replays the first outcome for a repeated order_id. A declined card is status "declined" with decline_code, not an error.',
  input: z.object({
    order_id: z.string().min(1).max(200),
    user_id: z.string().min(1).max(200),
    /** Major units, as the order total (99.99). */
    amount: z.number().positive().max(MAX_AMOUNT),
    currency: z
      .string()
      .regex(/^[a-zA-Z]{3}$/)
      .optional(),
    /** A gateway test token such as tok_visa (default), tok_chargeDeclined, tok_timeout. */
    payment_method: z.string().min(1).max(200).optional(),
    /**
     * The caller has never asked for this order before (it placed the order in this call), so no earlier
     * decision or void can stand: the agent charges without looking for one. A wrong `true` costs a round
     * trip to the gateway, never a second charge (the order id is the charge's idempotency key and the
     * outcome's write meets the earlier record).
     */
    first_attempt: z.boolean().optional(),
  }),
  output: z.object({
    status: z.enum(['succeeded', 'declined']),
    payment_id: z.string(),
    amount: z.number(),
    currency: z.string(),
    decline_code: z.string().optional(),
  }),
  idempotent: true,
});

export const paymentRefund = defineContract({
  capability: 'payment_refund',
  version: '1.0.0',
  description:
    'Refund an order (all of it unless amount is given). Safe to repeat; an order never charged is voided so a late charge cannot happen.',
  input: z.object({ order_id: z.string().min(1).max(200), amount: z.number().positive().optional() }),
  output: z.object({ status: z.literal('refunded'), refund_id: z.string().nullable(), amount: z.number() }),
  idempotent: true,
});

export const paymentStandingCharges = defineContract({
  capability: 'payment_standing_charges',
  version: '1.0.0',
  description:
    'Succeeded charges at the gateway with money not yet refunded, created since created_since (epoch seconds), ' +
    'newest first, at most max. For reconciliation against the orders that did not complete.',
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
  idempotent: true,
});

/** A charge at the gateway with money still standing (major units; `created` in epoch seconds). */
export type StandingCharge = ContractOutput<typeof paymentStandingCharges>['charges'][number];
