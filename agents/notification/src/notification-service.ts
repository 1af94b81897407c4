import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@mesh/common';
import type { EmailChannel, HttpChannel, OutgoingPush, OutgoingSms } from './channels.js';
import type { Dispatcher } from './dispatcher.js';
import type { Channel, NotificationMetrics } from './metrics.js';
import { MemoryDeliveryLedger } from './delivery-ledger.js';
import { sendOnce, stableMessageId, type SendOnceOptions } from './send-once.js';

/** The reply of every send tool: accepted always; delivered when it went out within the budget. */
export interface NotificationReceipt {
  accepted: true;
  message_id: string;
  delivered: boolean;
  /** Still being retried in the background when the budget ran out. */
  pending?: boolean;
  /** The channel has no provider configured: accepted and logged, never sent. */
  disabled?: boolean;
  /** Sent before under the same idempotency key: not sent again. */
  duplicate?: boolean;
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
  /** The delivery ledger: an email with an idempotency key is sent once per key (default: in memory). */
  once?: SendOnceOptions;
  logger?: Logger;
}

/** Sends email, SMS and push; a notification never fails its caller, whatever the provider does. */
export class NotificationService {
  private readonly logger: Logger;
  private readonly once: SendOnceOptions;

  constructor(private readonly options: NotificationServiceOptions) {
    this.logger = options.logger ?? silentLogger();
    this.once = options.once ?? {
      ledger: new MemoryDeliveryLedger(24 * 3_600_000),
      owner: randomUUID(),
      leaseMs: 30_000,
    };
  }

  async sendEmail(
    input: {
      to: string;
      subject: string;
      body: string;
      order_id?: string | undefined;
      idempotency_key?: string | undefined;
    },
    maxWaitMs = Number.POSITIVE_INFINITY,
    logger = this.logger,
  ): Promise<NotificationReceipt> {
    const key = input.idempotency_key;
    const messageId = key === undefined ? randomUUID() : stableMessageId(key);
    const email = {
      messageId,
      to: input.to,
      subject: input.subject,
      text: input.body,
      orderId: input.order_id,
    };
    logger.debug({ message_id: messageId, order_id: input.order_id }, 'email accepted');
    if (key === undefined) {
      return this.dispatch('email', messageId, () => this.options.email.send(email), maxWaitMs, logger);
    }
    let duplicate = false;
    const receipt = await this.dispatch(
      'email',
      messageId,
      async () => {
        const outcome = await sendOnce(key, () => this.options.email.send(email), this.once);
        duplicate = outcome === 'duplicate';
      },
      maxWaitMs,
      logger,
    );
    return duplicate ? { ...receipt, duplicate: true } : receipt;
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
