import { validateEach } from '@mesh/common';
import {
  emailMessageSchema,
  notificationSendEmail,
  notificationSendEmails,
  notificationSendPush,
  notificationSendSms,
} from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
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

/** The caller's remaining time, less a margin for the reply, caps how long we wait for delivery. */
function remainingMs(deadline: number): number {
  return Math.max(0, deadline - Date.now() - 100);
}

agent.tool({
  ...notificationSendEmail,
  name: 'notification_send_email',
  tags: ['notification', 'email'],
  handler: (input, ctx) => ctx.app.notifications.sendEmail(input, remainingMs(ctx.deadline), ctx.logger),
});

agent.tool({
  ...notificationSendEmails,
  name: 'notification_send_emails',
  tags: ['notification', 'email', 'batch'],
  handler: async (input, ctx) => {
    const { valid, rejected } = validateEach(emailMessageSchema, input.messages);
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
  ...notificationSendSms,
  name: 'notification_send_sms',
  tags: ['notification', 'sms'],
  handler: (input, ctx) => ctx.app.notifications.sendSms(input, remainingMs(ctx.deadline), ctx.logger),
});

agent.tool({
  ...notificationSendPush,
  name: 'notification_send_push',
  tags: ['notification', 'push'],
  handler: (input, ctx) => ctx.app.notifications.sendPush(input, remainingMs(ctx.deadline), ctx.logger),
});
