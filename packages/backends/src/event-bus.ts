import { silentLogger, type Logger } from '@mesh/common';
import { AmqpEventBus } from './amqp-event-bus.js';
import type { QueueSettings } from './amqp-queues.js';
import type { EventBusMetrics } from './event-bus-metrics.js';

/** What a subscriber receives with each event. */
export interface EventMeta {
  topic: string;
  /** The W3C traceparent of the publisher, so consumers continue its trace. */
  traceparent?: string | undefined;
  messageId?: string | undefined;
  /** True when this event is delivered again (a retry after a failed handler, or after a crash). */
  redelivered: boolean;
}

/**
 * Handles one event; resolving acks it. Resolve `'duplicate'` for an event already handled (an idempotent
 * consumer's redelivery), so the metrics tell duplicates apart.
 */
export type EventHandler = (payload: unknown, meta: EventMeta) => Promise<void | 'duplicate'>;

export interface PublishOptions {
  traceparent?: string | undefined;
  messageId?: string | undefined;
}

/**
 * Fire-and-forget domain events between agents (order completed → analytics). Publishing never throws:
 * it resolves true once the broker has confirmed, false when there is no broker or it failed (logged).
 */
export interface EventBus {
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<boolean>;
  /**
   * Binds the durable `queue` to `topic` (AMQP pattern: `order.*`, `#`); acks only after `handler` resolves. A
   * handler that throws gets bounded retries with backoff, then the message goes to `<queue>.dlq`. Rejects
   * when the broker cannot be reached, leaving nothing subscribed, so a caller may retry (retryAtStartup).
   */
  subscribe(topic: string, queue: string, handler: EventHandler): Promise<void>;
  /** Stops consuming, lets handlers under way finish (up to `drainMs`, default 10 s), then disconnects. */
  close(drainMs?: number): Promise<void>;
}

/** How the bus finished with one delivery: acked after the handler, re-queued for a retry, or dead-lettered. */
export type DeliveryOutcome = 'acked' | 'retried' | 'dead_lettered';

/**
 * A handler error that retrying cannot cure (a malformed event, a value the store cannot hold): the bus sends
 * the message to the dead-letter queue at once. Any error with code VALIDATION_FAILED counts as one too.
 */
export function isPermanentEventError(error: unknown): boolean {
  if (error instanceof SyntaxError) return true;
  const marked = error as { code?: unknown; permanent?: unknown } | null;
  return marked?.permanent === true || marked?.code === 'VALIDATION_FAILED';
}

export interface CreateEventBusOptions {
  rabbitmqUrl?: string | undefined;
  logger?: Logger;
  /** The topic exchange; `mesh.events` unless a test isolates itself. */
  exchange?: string;
  /** Unacked deliveries the broker hands each consumer at most (default 16). */
  prefetch?: number;
  /** Deliveries of one message before it goes to `<queue>.dlq` (default 5). */
  maxAttempts?: number;
  /** Pause before the first retry; doubled each attempt (default 200 ms). */
  retryDelayMs?: number;
  /** Called for every delivery the bus finishes with (for the consumer's metrics). */
  onDelivery?: (outcome: DeliveryOutcome, queue: string, topic: string) => void;
  /** The bus's counters and gauges (EventBusMetrics), for the agent's /metrics. */
  metrics?: EventBusMetrics | undefined;
  /** Type and length limit of declared queues (default quorum, 100,000 messages, reject-publish). */
  queues?: QueueSettings | undefined;
}

/** An AMQP bus on the topic exchange `mesh.events` when `rabbitmqUrl` is set, else a bus that drops events. */
export function createEventBus(options: CreateEventBusOptions): EventBus {
  const logger = options.logger ?? silentLogger();
  if (options.rabbitmqUrl !== undefined && options.rabbitmqUrl !== '') {
    return new AmqpEventBus({
      url: options.rabbitmqUrl,
      exchange: options.exchange ?? 'mesh.events',
      logger,
      prefetch: options.prefetch,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
      onDelivery: options.onDelivery,
      metrics: options.metrics,
      queues: options.queues,
    });
  }
  return new NoEventBus();
}

/** No broker configured: events are dropped, subscriptions never fire. */
export class NoEventBus implements EventBus {
  async publish(): Promise<boolean> {
    return false;
  }
  async subscribe(): Promise<void> {}
  async close(): Promise<void> {}
}
