import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@mesh/common';
import type { EmailChannel, HttpChannel, OutgoingPush, OutgoingSms } from './channels.js';
import type { Dispatcher } from './dispatcher.js';
import type { Channel, NotificationMetrics } from './metrics.js';

/** The reply of every send tool: accepted always; delivered when it went out within the budget. */
export interface NotificationReceipt {
  accepted: true;
  message_id: string;
  delivered: boolean;
  /** Still being retried in the background when the budget ran out. */
  pending?: boolean;
  /** The channel has no provider configured: accepted and logged, never sent. */
  disabled?: boolean;
  error?: string;
}

export interface NotificationServiceOptions {
  email: EmailChannel;
  sms: HttpChannel<OutgoingSms>;
  push: HttpChannel<OutgoingPush>;
  dispatcher: Dispatcher;
  metrics: NotificationMetrics;
  /** How long a tool call waits for delivery before answering `delivered: false, pending: true`. */
  budgetMs: number;
  logger?: Logger;
}

/** Sends email, SMS and push; a notification never fails its caller, whatever the provider does. */
export class NotificationService {
  private readonly logger: Logger;

  constructor(private readonly options: NotificationServiceOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  sendEmail(
    input: { to: string; subject: string; body: string; order_id?: string | undefined },
    maxWaitMs = Number.POSITIVE_INFINITY,
    logger = this.logger,
  ): Promise<NotificationReceipt> {
    const messageId = randomUUID();
    const email = {
      messageId,
      to: input.to,
      subject: input.subject,
      text: input.body,
      orderId: input.order_id,
    };
    logger.debug({ message_id: messageId, order_id: input.order_id }, 'email accepted');
    return this.dispatch('email', messageId, () => this.options.email.send(email), maxWaitMs, logger);
  }

  sendSms(
    input: { to: string; body: string },
    maxWaitMs = Number.POSITIVE_INFINITY,
    logger = this.logger,
  ): Promise<NotificationReceipt> {
    const messageId = randomUUID();
    const sms = this.options.sms;
    if (!sms.enabled) return Promise.resolve(this.disabled('sms', messageId, logger));
    return this.dispatch(
      'sms',
      messageId,
      (signal) => sms.send({ messageId, ...input }, signal),
      maxWaitMs,
      logger,
    );
  }

  sendPush(
    input: { user_id: string; title: string; body: string },
    maxWaitMs = Number.POSITIVE_INFINITY,
    logger = this.logger,
  ): Promise<NotificationReceipt> {
    const messageId = randomUUID();
    const push = this.options.push;
    if (!push.enabled)
      return Promise.resolve(
        this.disabled('push', messageId, logger, { user_id: input.user_id, title: input.title }),
      );
    const message = { messageId, userId: input.user_id, title: input.title, body: input.body };
    return this.dispatch('push', messageId, (signal) => push.send(message, signal), maxWaitMs, logger);
  }

  private async dispatch(
    channel: Channel,
    messageId: string,
    send: (signal: AbortSignal) => Promise<void>,
    maxWaitMs: number,
    logger: Logger,
  ): Promise<NotificationReceipt> {
    const budgetMs = Math.max(0, Math.min(this.options.budgetMs, maxWaitMs));
    const result = await this.options.dispatcher.dispatch(channel, messageId, send, budgetMs, logger);
    const receipt: NotificationReceipt = {
      accepted: true,
      message_id: messageId,
      delivered: result.delivered,
    };
    if (result.pending) receipt.pending = true;
    if (result.error !== undefined) receipt.error = result.error;
    return receipt;
  }

  private disabled(
    channel: Channel,
    messageId: string,
    logger: Logger,
    details: Record<string, unknown> = {},
  ): NotificationReceipt {
    this.options.metrics.count(channel, 'disabled');
    logger.info(
      { channel, message_id: messageId, ...details },
      `${channel} accepted but not sent: no provider configured`,
    );
    return { accepted: true, message_id: messageId, delivered: false, disabled: true };
  }
}
