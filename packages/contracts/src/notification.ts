import { z } from 'zod';
import { defineContract } from './define-contract.js';

/**
 * The notification agent's capabilities: email, SMS and push. Not idempotent by contract (a resend sends
 * again), except an email with `idempotency_key`, which goes out once per key.
 */

/** Most messages one `notification_send_emails` call takes. */
export const MAX_EMAILS_PER_CALL = 200;

export const notificationReceipt = z.object({
  accepted: z.literal(true),
  message_id: z.string(),
  delivered: z.boolean(),
  pending: z.boolean().optional(),
  disabled: z.boolean().optional(),
  duplicate: z.boolean().optional(),
  error: z.string().optional(),
});

export const emailMessageSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(500),
  body: z.string().max(100_000),
  order_id: z.string().min(1).max(200).optional(),
  /** One email per key, across calls, replicas and the `orders.completed` events (e.g. `order-confirmation:<id>`). */
  idempotency_key: z.string().min(1).max(300).optional(),
});

export const notificationSendEmail = defineContract({
  capability: 'notification_send_email',
  version: '1.0.0',
  description:
    'Send an email. Always accepted; delivered tells whether it went out within the short budget. ' +
    'With idempotency_key it is sent once per key (duplicate: true when it went out before).',
  input: emailMessageSchema,
  output: notificationReceipt,
});

export const notificationSendEmails = defineContract({
  capability: 'notification_send_emails',
  version: '1.0.0',
  description:
    `Send up to ${MAX_EMAILS_PER_CALL} emails in one call, each as notification_send_email takes it; ` +
    'receipts come back in the same order. An invalid message gets accepted: false with the reason, ' +
    'the others are sent.',
  // Each message is checked on its own by the provider, so one bad message does not refuse the batch.
  input: z.object({ messages: z.array(z.unknown()).min(1).max(MAX_EMAILS_PER_CALL) }),
  output: z.object({
    receipts: z.array(
      z.union([notificationReceipt, z.object({ accepted: z.literal(false), error: z.string() })]),
    ),
  }),
});

export const notificationSendSms = defineContract({
  capability: 'notification_send_sms',
  version: '1.0.0',
  description: 'Send an SMS through SMS_PROVIDER_URL (accepted and logged when none is configured).',
  input: z.object({
    to: z.string().regex(/^\+?[0-9][0-9 ()-]{3,24}$/, 'expected a phone number'),
    body: z.string().min(1).max(1600),
  }),
  output: notificationReceipt,
});

export const notificationSendPush = defineContract({
  capability: 'notification_send_push',
  version: '1.0.0',
  description: 'Send a push notification through PUSH_PROVIDER_URL (logged only when none is configured).',
  input: z.object({
    user_id: z.string().min(1).max(200),
    title: z.string().min(1).max(200),
    body: z.string().max(4000),
  }),
  output: notificationReceipt,
});
