import { silentLogger, type Logger } from '@mesh/common';
import { AmqpEventBus } from './amqp-event-bus.js';

/** What a subscriber receives with each event. */
export interface EventMeta {
  topic: string;
  /** The W3C traceparent of the publisher, so consumers continue its trace. */
  traceparent?: string | undefined;
  messageId?: string | undefined;
  /** True when the broker delivers this event a second time (after a failed handler or a crash). */
  redelivered: boolean;
}

export type EventHandler = (payload: unknown, meta: EventMeta) => Promise<void>;

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
  /** Binds the durable `queue` to `topic` (AMQP pattern: `order.*`, `#`); acks after `handler` resolves. */
  subscribe(topic: string, queue: string, handler: EventHandler): Promise<void>;
  close(): Promise<void>;
}

export interface CreateEventBusOptions {
  rabbitmqUrl?: string | undefined;
  logger?: Logger;
  /** The topic exchange; `mesh.events` unless a test isolates itself. */
  exchange?: string;
}

/** An AMQP bus on the topic exchange `mesh.events` when `rabbitmqUrl` is set, else a bus that drops events. */
export function createEventBus(options: CreateEventBusOptions): EventBus {
  const logger = options.logger ?? silentLogger();
  if (options.rabbitmqUrl !== undefined && options.rabbitmqUrl !== '') {
    return new AmqpEventBus({
      url: options.rabbitmqUrl,
      exchange: options.exchange ?? 'mesh.events',
      logger,
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
