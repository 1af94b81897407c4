import { validateEach } from '@mesh/common';
import { defineAgent, z } from '@mesh/runtime';
import type { NotificationReceipt, NotificationService } from './notification-service.js';

/** What services.ts builds for the handlers. */
export interface NotificationServices {
  notifications: NotificationService;
}

/** notification-agent: email, SMS and push. Non-critical: it accepts every valid message and never blocks. */
export const agent = defineAgent<NotificationServices>({
  name: 'notification-agent',
  version: '1.0.0',
  description:
    'Sends email (SMTP), SMS and push notifications with bounded retries; accepts and answers fast.',
});

const receipt = z.object({
  accepted: z.literal(true),
  message_id: z.string(),
  delivered: z.boolean(),
  pending: z.boolean().optional(),
  disabled: z.boolean().optional(),
  duplicate: z.boolean().optional(),
  error: z.string().optional(),
});

/** The caller's remaining time, less a margin for the reply, caps how long we wait for delivery. */
function remainingMs(deadline: number): number {
  return Math.max(0, deadline - Date.now() - 100);
}

const email = z.object({
  to: z.email(),
  subject: z.string().min(1).max(500),
  body: z.string().max(100_000),
  order_id: z.string().min(1).max(200).optional(),
  /** One email per key, across calls, replicas and the `orders.completed` events (e.g. `order-confirmation:<id>`). */
  idempotency_key: z.string().min(1).max(300).optional(),
});

/** Most messages one `notification_send_emails` call takes. */
export const MAX_EMAILS_PER_CALL = 200;

agent.tool({
  name: 'notification_send_email',
  capability: 'notification_send_email',
  version: '1.0.0',
  tags: ['notification', 'email'],
  description:
    'Send an email. Always accepted; delivered tells whether it went out within the short budget. ' +
    'With idempotency_key it is sent once per key (duplicate: true when it went out before).',
  input: email,
  output: receipt,
  handler: (input, ctx) => ctx.app.notifications.sendEmail(input, remainingMs(ctx.deadline), ctx.logger),
});

agent.tool({
  name: 'notification_send_emails',
  capability: 'notification_send_emails',
  version: '1.0.0',
  tags: ['notification', 'email', 'batch'],
  description:
    `Send up to ${MAX_EMAILS_PER_CALL} emails in one call, each as notification_send_email takes it; ` +
    'receipts come back in the same order. An invalid message gets accepted: false with the reason, ' +
    'the others are sent.',
  input: z.object({ messages: z.array(z.unknown()).min(1).max(MAX_EMAILS_PER_CALL) }),
  output: z.object({
    receipts: z.array(z.union([receipt, z.object({ accepted: z.literal(false), error: z.string() })])),
  }),
  handler: async (input, ctx) => {
    const { valid, rejected } = validateEach(email, input.messages);
    const waitMs = remainingMs(ctx.deadline);
    const receipts: ({ accepted: false; error: string } | NotificationReceipt)[] = new Array(
      input.messages.length,
    );
    for (const { index, error } of rejected) receipts[index] = { accepted: false, error };
    await Promise.all(
      valid.map(async ({ index, value }) => {
        receipts[index] = await ctx.app.notifications.sendEmail(value, waitMs, ctx.logger);
      }),
    );
    return { receipts };
  },
});

agent.tool({
  name: 'notification_send_sms',
  capability: 'notification_send_sms',
  version: '1.0.0',
  tags: ['notification', 'sms'],
  description: 'Send an SMS through SMS_PROVIDER_URL (accepted and logged when none is configured).',
  input: z.object({
    to: z.string().regex(/^\+?[0-9][0-9 ()-]{3,24}$/, 'expected a phone number'),
    body: z.string().min(1).max(1600),
  }),
  output: receipt,
  handler: (input, ctx) => ctx.app.notifications.sendSms(input, remainingMs(ctx.deadline), ctx.logger),
});

agent.tool({
  name: 'notification_send_push',
  capability: 'notification_send_push',
  version: '1.0.0',
  tags: ['notification', 'push'],
  description: 'Send a push notification through PUSH_PROVIDER_URL (logged only when none is configured).',
  input: z.object({
    user_id: z.string().min(1).max(200),
    title: z.string().min(1).max(200),
    body: z.string().max(4000),
  }),
  output: receipt,
  handler: (input, ctx) => ctx.app.notifications.sendPush(input, remainingMs(ctx.deadline), ctx.logger),
});
