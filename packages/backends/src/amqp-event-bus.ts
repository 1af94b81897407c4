import { randomUUID } from 'node:crypto';
import type { Logger } from '@mesh/common';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { redactUrl } from './redis-config.js';
import type { EventBus, EventHandler, PublishOptions } from './event-bus.js';

export interface AmqpEventBusOptions {
  url: string;
  exchange: string;
  logger: Logger;
  /** Reconnect delay after the connection drops. */
  reconnectDelayMs?: number;
}

interface Subscription {
  topic: string;
  queue: string;
  handler: EventHandler;
}

interface Connected {
  connection: ChannelModel;
  channel: ConfirmChannel;
}

/**
 * RabbitMQ topic exchange with durable queues and persistent messages. One connection and one confirm
 * channel; on a dropped connection it reconnects (bounded delay) and re-establishes every subscription.
 * A handler failure requeues the message once; a second failure drops it (logged at error).
 */
export class AmqpEventBus implements EventBus {
  readonly #options: AmqpEventBusOptions;
  readonly #subscriptions: Subscription[] = [];
  #connecting: Promise<Connected> | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;

  constructor(options: AmqpEventBusOptions) {
    this.#options = options;
  }

  async publish(topic: string, payload: unknown, options: PublishOptions = {}): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const { channel } = await this.#connect();
      const headers: Record<string, string> = {};
      if (options.traceparent !== undefined) headers['traceparent'] = options.traceparent;
      await new Promise<void>((resolve, reject) => {
        channel.publish(
          this.#options.exchange,
          topic,
          Buffer.from(JSON.stringify(payload)),
          {
            persistent: true,
            contentType: 'application/json',
            messageId: options.messageId ?? randomUUID(),
            timestamp: Math.floor(Date.now() / 1000),
            headers,
          },
          (error: unknown) =>
            error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        );
      });
      return true;
    } catch (error: unknown) {
      this.#options.logger.warn({ err: String(error), topic }, 'event publish failed; event dropped');
      return false;
    }
  }

  async subscribe(topic: string, queue: string, handler: EventHandler): Promise<void> {
    const subscription = { topic, queue, handler };
    this.#subscriptions.push(subscription);
    const { channel } = await this.#connect();
    await this.#consume(channel, subscription);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    const connecting = this.#connecting;
    this.#connecting = undefined;
    if (connecting === undefined) return;
    try {
      const { connection } = await connecting;
      await connection.close();
    } catch {
      // already gone
    }
  }

  #connect(): Promise<Connected> {
    this.#connecting ??= this.#open().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  async #open(): Promise<Connected> {
    const connection = await amqp.connect(this.#options.url, { timeout: 5_000 });
    connection.on('error', (error: Error) => {
      this.#options.logger.warn({ err: error.message }, 'amqp connection error');
    });
    connection.on('close', () => this.#onClosed());
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => {
      this.#options.logger.warn({ err: error.message }, 'amqp channel error');
    });
    // A channel can die alone (a protocol error); closing the connection then reconnects everything.
    channel.on('close', () => {
      if (!this.#closed) connection.close().catch(() => undefined);
    });
    await channel.assertExchange(this.#options.exchange, 'topic', { durable: true });
    await channel.prefetch(16);
    this.#options.logger.info(
      { broker: redactUrl(this.#options.url), exchange: this.#options.exchange },
      'event bus connected',
    );
    return { connection, channel };
  }

  #onClosed(): void {
    this.#connecting = undefined;
    if (this.#closed) return;
    this.#options.logger.warn('amqp connection closed; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined) return;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closed) return;
      this.#connect()
        .then(async ({ channel }) => {
          for (const subscription of this.#subscriptions) await this.#consume(channel, subscription);
        })
        .catch((error: unknown) => {
          this.#options.logger.warn({ err: String(error) }, 'amqp reconnect failed; retrying');
          this.#scheduleReconnect();
        });
    }, this.#options.reconnectDelayMs ?? 1_000);
    this.#reconnectTimer.unref();
  }

  async #consume(channel: ConfirmChannel, subscription: Subscription): Promise<void> {
    await channel.assertQueue(subscription.queue, { durable: true });
    await channel.bindQueue(subscription.queue, this.#options.exchange, subscription.topic);
    await channel.consume(subscription.queue, (message: ConsumeMessage | null) => {
      if (message === null) return;
      void this.#deliver(channel, subscription, message);
    });
  }

  async #deliver(
    channel: ConfirmChannel,
    subscription: Subscription,
    message: ConsumeMessage,
  ): Promise<void> {
    const headers = message.properties.headers ?? {};
    const traceparent = typeof headers['traceparent'] === 'string' ? headers['traceparent'] : undefined;
    const messageId =
      typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined;
    try {
      const payload: unknown = JSON.parse(message.content.toString('utf8'));
      await subscription.handler(payload, {
        topic: message.fields.routingKey,
        traceparent,
        messageId,
        redelivered: message.fields.redelivered,
      });
      channel.ack(message);
    } catch (error: unknown) {
      const requeue = !message.fields.redelivered;
      this.#options.logger[requeue ? 'warn' : 'error'](
        { err: String(error), topic: message.fields.routingKey, queue: subscription.queue, messageId },
        requeue ? 'event handler failed; requeued once' : 'event handler failed twice; event dropped',
      );
      try {
        channel.nack(message, false, requeue);
      } catch {
        // channel closed: the broker redelivers unacked messages anyway
      }
    }
  }
}
