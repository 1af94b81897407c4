import type { Logger } from '@mesh/common';
import { createEventBus, type CreateEventBusOptions, type EventBus } from './event-bus.js';
import type { EventBusMetrics } from './event-bus-metrics.js';
import { redactUrl, toQueueSettings } from './redis-config.js';
import { retryAtStartup } from './startup-retry.js';

/**
 * What an agent that consumes events builds: the services its handlers use, its own metrics, the bus's shared
 * series (consumed, lag, queue depth), its health check, and a close that stops consuming before the rest.
 */
export interface ConsumingAgentServices<Services, Metrics> {
  services: Services;
  metrics: Metrics;
  busMetrics: EventBusMetrics;
  healthCheck: () => Promise<boolean>;
  close: () => Promise<void>;
}

/** The parsed `rabbitmqEnvShape` values a consumer needs (RABBITMQ_URL set). */
export interface ConsumerBrokerEnv {
  RABBITMQ_URL: string;
  RABBITMQ_STARTUP_TIMEOUT: number;
  RABBITMQ_QUEUE_TYPE: 'quorum' | 'classic';
  RABBITMQ_QUEUE_MAX_LENGTH: number;
}

/**
 * An agent's event bus as a consumer, or undefined when RABBITMQ_URL is unset (no broker: events arrive by
 * direct calls only). Queues are declared as RABBITMQ_QUEUE_* say, and `subscribe` runs until it succeeds. A
 * broker still starting (compose, a restart) is waited for up to RABBITMQ_STARTUP_TIMEOUT, each retry logged,
 * rather than the agent exiting: it listens, registers and reports ready only once it consumes.
 */
export async function startEventConsumer(
  env: Omit<ConsumerBrokerEnv, 'RABBITMQ_URL'> & { RABBITMQ_URL?: string | undefined },
  options: Omit<CreateEventBusOptions, 'rabbitmqUrl' | 'queues'> & { logger: Logger },
  subscribe: (bus: EventBus) => Promise<void>,
): Promise<EventBus | undefined> {
  if (env.RABBITMQ_URL === undefined) return undefined;
  const bus = createEventBus({ ...options, rabbitmqUrl: env.RABBITMQ_URL, queues: toQueueSettings(env) });
  await retryAtStartup(() => subscribe(bus), {
    what: 'RabbitMQ',
    logger: options.logger,
    timeoutMs: env.RABBITMQ_STARTUP_TIMEOUT,
  });
  options.logger.info({ broker: redactUrl(env.RABBITMQ_URL) }, 'event bus connected');
  return bus;
}
