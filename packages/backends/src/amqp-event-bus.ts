import { randomUUID } from 'node:crypto';
import type { Logger } from '@mesh/common';
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { formatTraceparent } from '@mesh/common';
import { declareQueue, defaultQueueSettings, type QueueSettings } from './amqp-queues.js';
import { startProcessSpan, startPublishSpan } from './amqp-tracing.js';
import type { EventBusMetrics } from './event-bus-metrics.js';
import { redactUrl } from './redis-config.js';
import {
  isPermanentEventError,
  type DeliveryOutcome,
  type EventBus,
  type EventHandler,
  type PublishOptions,
} from './event-bus.js';

export interface AmqpEventBusOptions {
  url: string;
  exchange: string;
  logger: Logger;
  /** Reconnect delay after the connection drops. */
  reconnectDelayMs?: number;
  /** Unacked deliveries per consumer (default 16). */
  prefetch?: number | undefined;
  /** Deliveries of one message before it is dead-lettered (default 5). */
  maxAttempts?: number | undefined;
  /** Pause before the first retry, doubled each attempt (default 200 ms). */
  retryDelayMs?: number | undefined;
  onDelivery?: ((outcome: DeliveryOutcome, queue: string, topic: string) => void) | undefined;
  /** Counters and gauges for the agent's /metrics. */
  metrics?: EventBusMetrics | undefined;
  /** Queue type and length limit of the queues this bus declares. */
  queues?: QueueSettings | undefined;
  /** How often a subscriber samples its queue's depth and consumers from the broker (default 15 s). */
  sampleIntervalMs?: number | undefined;
}

/** Headers the bus adds when it re-queues or dead-letters a message. */
export const ATTEMPTS_HEADER = 'x-mesh-attempts';
export const TOPIC_HEADER = 'x-mesh-topic';
export const ERROR_HEADER = 'x-mesh-error';
/** When the event was first published, in ms since the epoch (the AMQP timestamp has whole seconds only). */
export const PUBLISHED_AT_HEADER = 'x-mesh-published-at';

interface Subscription {
  topic: string;
  queue: string;
  handler: EventHandler;
  /** The broker's tag of the current consumer (renewed on every reconnect), to cancel it at close. */
  consumerTag?: string;
}

interface Connected {
  connection: ChannelModel;
  channel: ConfirmChannel;
}

/**
 * RabbitMQ topic exchange with durable queues and persistent messages. One connection and one confirm
 * channel; on a dropped connection it reconnects (bounded delay) and re-establishes every subscription.
 * A message is acked only after its handler resolves. A handler failure re-publishes the message to the
 * tail of its queue after a backoff (attempt count in `x-mesh-attempts`), up to `maxAttempts`; then, or at
 * once for a permanent error (see isPermanentEventError), it goes to the durable `<queue>.dlq` with the
 * reason in `x-mesh-error`. The original is acked only after the broker confirmed the copy, so a crash at
 * any point redelivers rather than loses it.
 */
export class AmqpEventBus implements EventBus {
  readonly #options: AmqpEventBusOptions;
  readonly #subscriptions: Subscription[] = [];
  #connecting: Promise<Connected> | undefined;
  #closed = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Message ids the broker returned as unroutable since they were published (checked at their confirm). */
  readonly #returned = new Set<string>();
  readonly #samplers = new Map<string, NodeJS.Timeout>();
  /** Deliveries whose handler (and ack) is still under way. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: AmqpEventBusOptions) {
    this.#options = options;
  }

  async publish(topic: string, payload: unknown, options: PublishOptions = {}): Promise<boolean> {
    if (this.#closed) return false;
    const body = Buffer.from(JSON.stringify(payload));
    const messageId = options.messageId ?? randomUUID();
    const span = startPublishSpan(this.#options.exchange, topic, options.traceparent, {
      'messaging.message.id': messageId,
      'messaging.message.body.size': body.length,
    });
    try {
      const { channel } = await this.#connect();
      const headers: Record<string, string | number> = { [PUBLISHED_AT_HEADER]: Date.now() };
      // The consumer's span continues the producer span (or the caller's trace when spans are not exported).
      if (span.traceparent !== undefined) headers['traceparent'] = span.traceparent;
      await new Promise<void>((resolve, reject) => {
        channel.publish(
          this.#options.exchange,
          topic,
          body,
          {
            persistent: true,
            // Unroutable (no queue bound to the topic) comes back as a return before the confirm: a message
            // no consumer will ever see is a failed publish, so the caller falls back, not silently dropped.
            mandatory: true,
            contentType: 'application/json',
            messageId,
            timestamp: Math.floor(Date.now() / 1000),
            headers,
          },
          (error: unknown) => {
            if (error) return reject(error instanceof Error ? error : new Error(String(error)));
            if (this.#returned.delete(messageId)) {
              return reject(new Error(`no queue is bound to ${topic} on ${this.#options.exchange}`));
            }
            resolve();
          },
        );
      });
      span.end();
      this.#options.metrics?.published.inc({ topic, outcome: 'confirmed' });
      return true;
    } catch (error: unknown) {
      this.#returned.delete(messageId);
      span.end(error);
      this.#options.metrics?.published.inc({ topic, outcome: 'failed' });
      this.#options.logger.warn(
        { err: error instanceof Error ? error.message : String(error), topic, message_id: messageId },
        'event not published (the caller may deliver it another way)',
      );
      return false;
    }
  }

  async subscribe(topic: string, queue: string, handler: EventHandler): Promise<void> {
    const subscription = { topic, queue, handler };
    // Listed before consuming, so a reconnect while this call is under way consumes it too; unlisted when
    // the call fails, so a caller that retries (the broker not up yet) leaves one consumer, not one per try.
    this.#subscriptions.push(subscription);
    try {
      const { connection, channel } = await this.#connect();
      await this.#consume(connection, channel, subscription);
    } catch (error: unknown) {
      const index = this.#subscriptions.indexOf(subscription);
      if (index !== -1) this.#subscriptions.splice(index, 1);
      throw error;
    }
  }

  /**
   * Stops consuming (the broker sends nothing more), lets the handlers under way finish and ack, for up to
   * `drainMs`, then closes the connection: a graceful stop neither drops work half done nor leaves a message
   * to be redelivered while its first handler still runs. What is still unacked at the end is redelivered.
   */
  async close(drainMs = 10_000): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    for (const timer of this.#samplers.values()) clearInterval(timer);
    this.#samplers.clear();
    const connecting = this.#connecting;
    this.#connecting = undefined;
    if (connecting === undefined) return;
    try {
      const { connection, channel } = await connecting;
      for (const subscription of this.#subscriptions) {
        if (subscription.consumerTag !== undefined) {
          await channel.cancel(subscription.consumerTag).catch(() => undefined);
        }
      }
      if (this.#inFlight.size > 0) {
        const drained = Promise.allSettled([...this.#inFlight]);
        await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
      }
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
    channel.on('return', (message: { properties: { messageId?: unknown } }) => {
      if (typeof message.properties.messageId === 'string') this.#returned.add(message.properties.messageId);
    });
    // A channel can die alone (a protocol error); closing the connection then reconnects everything.
    channel.on('close', () => {
      if (!this.#closed) connection.close().catch(() => undefined);
    });
    await channel.assertExchange(this.#options.exchange, 'topic', { durable: true });
    await channel.prefetch(this.#options.prefetch ?? 16);
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
        .then(async ({ connection, channel }) => {
          for (const subscription of this.#subscriptions) {
            await this.#consume(connection, channel, subscription);
          }
        })
        .catch((error: unknown) => {
          this.#options.logger.warn({ err: String(error) }, 'amqp reconnect failed; retrying');
          this.#scheduleReconnect();
        });
    }, this.#options.reconnectDelayMs ?? 1_000);
    this.#reconnectTimer.unref();
  }

  async #consume(
    connection: ChannelModel,
    channel: ConfirmChannel,
    subscription: Subscription,
  ): Promise<void> {
    const settings = this.#options.queues ?? defaultQueueSettings;
    const { logger } = this.#options;
    await declareQueue(connection, channel, subscription.queue, settings, logger);
    await declareQueue(connection, channel, deadLetterQueue(subscription.queue), settings, logger);
    await channel.bindQueue(subscription.queue, this.#options.exchange, subscription.topic);
    const { consumerTag } = await channel.consume(subscription.queue, (message: ConsumeMessage | null) => {
      if (message === null) return;
      const delivery = this.#deliver(channel, subscription, message).finally(() =>
        this.#inFlight.delete(delivery),
      );
      this.#inFlight.add(delivery);
    });
    subscription.consumerTag = consumerTag;
    this.#sample(subscription.queue);
  }

  /** Samples the queue's and its DLQ's depth and consumers into the gauges, now and every sampleIntervalMs. */
  #sample(queue: string): void {
    const metrics = this.#options.metrics;
    if (metrics === undefined || this.#samplers.has(queue)) return;
    const sampleOnce = async (): Promise<void> => {
      const connected = this.#connecting;
      if (connected === undefined || this.#closed) return;
      const { channel } = await connected;
      for (const name of [queue, deadLetterQueue(queue)]) {
        const { messageCount, consumerCount } = await channel.checkQueue(name);
        metrics.queueMessages.set({ queue: name }, messageCount);
        metrics.queueConsumers.set({ queue: name }, consumerCount);
      }
    };
    const run = (): void => {
      sampleOnce().catch((error: unknown) =>
        this.#options.logger.debug({ err: String(error), queue }, 'queue sample failed'),
      );
    };
    const timer = setInterval(run, this.#options.sampleIntervalMs ?? 15_000);
    timer.unref();
    this.#samplers.set(queue, timer);
    run();
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
    // A retried copy travels through the default exchange: its topic is in a header.
    const topic =
      typeof headers[TOPIC_HEADER] === 'string' ? headers[TOPIC_HEADER] : message.fields.routingKey;
    const attempt = Number(headers[ATTEMPTS_HEADER] ?? 1) || 1;
    const publishedAt =
      Number(headers[PUBLISHED_AT_HEADER]) || Number(message.properties.timestamp ?? 0) * 1000;
    if (publishedAt > 0) {
      this.#options.metrics?.consumerLag.set(
        { queue: subscription.queue },
        Math.max(0, Date.now() - publishedAt) / 1000,
      );
    }
    const span = startProcessSpan(subscription.queue, traceparent, {
      'messaging.destination.name': message.fields.exchange,
      'messaging.rabbitmq.destination.routing_key': topic,
      'messaging.message.body.size': message.content.length,
      ...(messageId === undefined ? {} : { 'messaging.message.id': messageId }),
      ...(attempt > 1 ? { 'mesh.attempt': attempt } : {}),
    });
    try {
      const payload: unknown = JSON.parse(message.content.toString('utf8'));
      const handled = await span.run(() =>
        subscription.handler(payload, {
          topic,
          traceparent: formatTraceparent(span.trace),
          messageId,
          redelivered: message.fields.redelivered || attempt > 1,
        }),
      );
      channel.ack(message);
      span.end('acked');
      this.#options.onDelivery?.('acked', subscription.queue, topic);
      this.#options.metrics?.consumed.inc({
        queue: subscription.queue,
        topic,
        outcome: handled === 'duplicate' ? 'duplicate' : 'acked',
      });
    } catch (error: unknown) {
      const outcome = await span.run(() =>
        this.#fail(channel, subscription, message, { topic, attempt, messageId, error }),
      );
      span.end(outcome, error);
      this.#options.metrics?.consumed.inc({ queue: subscription.queue, topic, outcome });
    }
  }

  async #fail(
    channel: ConfirmChannel,
    subscription: Subscription,
    message: ConsumeMessage,
    failure: { topic: string; attempt: number; messageId: string | undefined; error: unknown },
  ): Promise<'retried' | 'dead_lettered'> {
    const { topic, attempt, messageId, error } = failure;
    const reason = error instanceof Error ? error.message : String(error);
    const maxAttempts = this.#options.maxAttempts ?? 5;
    const dead = isPermanentEventError(error) || attempt >= maxAttempts;
    const log = { err: reason, topic, queue: subscription.queue, messageId, attempt };
    try {
      if (dead) {
        await this.#publishConfirmed(channel, deadLetterQueue(subscription.queue), message, {
          [TOPIC_HEADER]: topic,
          [ATTEMPTS_HEADER]: attempt,
          [ERROR_HEADER]: reason.slice(0, 1000),
        });
        this.#options.logger.error(log, 'event handler failed for good; event dead-lettered');
      } else {
        const delay = (this.#options.retryDelayMs ?? 200) * 2 ** (attempt - 1);
        this.#options.logger.warn({ ...log, retry_in_ms: delay }, 'event handler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        await this.#publishConfirmed(channel, subscription.queue, message, {
          [TOPIC_HEADER]: topic,
          [ATTEMPTS_HEADER]: attempt + 1,
        });
      }
      channel.ack(message);
      this.#options.onDelivery?.(dead ? 'dead_lettered' : 'retried', subscription.queue, topic);
      return dead ? 'dead_lettered' : 'retried';
    } catch (publishError: unknown) {
      this.#options.logger.warn(
        { ...log, publish_err: String(publishError) },
        'could not re-queue a failed event; the broker redelivers it',
      );
      // A full dead-letter queue refuses the copy: wait before handing the message back, or it would be
      // redelivered and refused again at once.
      const pause = Math.min(30_000, (this.#options.retryDelayMs ?? 200) * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, pause).unref());
      try {
        channel.nack(message, false, true);
      } catch {
        // channel closed: the broker redelivers unacked messages anyway
      }
      return 'retried';
    }
  }

  /** Publishes a copy of `message` straight to `queue` (default exchange) and waits for the broker's confirm. */
  #publishConfirmed(
    channel: ConfirmChannel,
    queue: string,
    message: ConsumeMessage,
    extraHeaders: Record<string, string | number>,
  ): Promise<void> {
    const properties = message.properties;
    return new Promise<void>((resolve, reject) => {
      channel.publish(
        '',
        queue,
        message.content,
        {
          persistent: true,
          contentType: properties.contentType as string | undefined,
          messageId: properties.messageId as string | undefined,
          timestamp: properties.timestamp as number | undefined,
          headers: { ...(properties.headers ?? {}), ...extraHeaders },
        },
        (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
      );
    });
  }
}

/** The dead-letter queue of a consumer queue. */
export function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}
