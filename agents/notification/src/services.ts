import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  EventBusMetrics,
  openAgentDatabase,
  startEventConsumer,
  toPgConfig,
  type ConsumingAgentServices,
} from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import type { NotificationServices } from './agent.js';
import type { OutgoingPush, OutgoingSms } from './channels.js';
import type { NotificationAgentConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { createHttpChannel } from './http-channel.js';
import { NotificationMetrics } from './metrics.js';
import { MemoryDeliveryLedger, type DeliveryLedger } from './delivery-ledger.js';
import { NotificationService } from './notification-service.js';
import { consumeOrderEmails } from './order-email-consumer.js';
import { NOTIFICATION_MIGRATIONS, PgDeliveryLedger } from './pg-delivery-ledger.js';
import type { SendOnceOptions } from './send-once.js';
import { SmtpChannel } from './smtp-channel.js';

/** Its close stops consuming, waits briefly for sends in flight, then closes the SMTP pool and the database pool. */
export type BuiltNotificationServices = ConsumingAgentServices<NotificationServices, NotificationMetrics>;

/**
 * Builds the channels from config (SMTP connects at the first message), the delivery ledger (business_db, or
 * memory without a database) and, with RABBITMQ_URL, the `orders.completed` consumer.
 */
export async function buildNotificationServices(
  config: NotificationAgentConfig,
  logger: Logger,
  /** Tests isolate themselves on their own exchange; production uses `mesh.events`. */
  options: { exchange?: string } = {},
): Promise<BuiltNotificationServices> {
  const metrics = new NotificationMetrics();
  const busMetrics = new EventBusMetrics();
  const { ledger, pool } = await openLedger(config, logger);
  const once: SendOnceOptions = {
    ledger,
    owner: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    leaseMs: config.NOTIFICATION_DEDUPE_LEASE,
  };
  const email = new SmtpChannel({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    user: config.SMTP_USER,
    password: config.SMTP_PASSWORD,
    from: config.SMTP_FROM,
    poolSize: config.SMTP_POOL_SIZE,
    timeoutMs: config.SMTP_TIMEOUT,
  });
  const sms = createHttpChannel<OutgoingSms>({
    url: config.SMS_PROVIDER_URL,
    apiKey: config.SMS_API_KEY,
    timeoutMs: config.NOTIFICATION_HTTP_TIMEOUT,
    toBody: (message) => ({ to: message.to, body: message.body }),
  });
  const push = createHttpChannel<OutgoingPush>({
    url: config.PUSH_PROVIDER_URL,
    apiKey: config.PUSH_API_KEY,
    timeoutMs: config.NOTIFICATION_HTTP_TIMEOUT,
    toBody: (message) => ({ user_id: message.userId, title: message.title, body: message.body }),
  });
  const dispatcher = new Dispatcher({
    attempts: config.NOTIFICATION_RETRY_ATTEMPTS,
    retryDelayMs: config.NOTIFICATION_RETRY_DELAY,
    metrics,
    logger,
  });
  logger.info(
    {
      smtp: `${config.SMTP_HOST}:${config.SMTP_PORT}`,
      smtp_auth: config.SMTP_USER !== undefined,
      sms: sms.enabled ? 'http' : 'disabled (SMS_PROVIDER_URL unset: messages are logged, not sent)',
      push: push.enabled ? 'http' : 'log only (PUSH_PROVIDER_URL unset)',
    },
    'notification channels configured',
  );
  const notifications = new NotificationService({
    email,
    sms,
    push,
    dispatcher,
    metrics,
    budgetMs: config.NOTIFICATION_SEND_BUDGET,
    once,
    logger,
  });
  const bus = await startEventConsumer(
    config,
    {
      logger,
      exchange: options.exchange,
      prefetch: config.NOTIFICATION_PREFETCH,
      maxAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
      // An SMTP server that is down gets minutes of retries, not seconds, before the DLQ.
      retryDelayMs: 1_000,
      metrics: busMetrics,
    },
    (consumer) => consumeOrderEmails(consumer, config.NOTIFICATION_QUEUE, { email, metrics, once, logger }),
  );
  return {
    services: { notifications },
    metrics,
    busMetrics,
    healthCheck: async () => {
      if (pool !== undefined) await pool.query('SELECT 1');
      return true;
    },
    close: async () => {
      // Stop taking events first: unacked ones go back to the queue for another replica.
      await bus?.close();
      await dispatcher.drain(config.NOTIFICATION_SEND_BUDGET * 2);
      await email.close();
      await ledger.close();
      await pool?.end();
    },
  };
}

/** The delivery ledger in business_db when a database is configured, else in memory (with a warning). */
async function openLedger(
  config: NotificationAgentConfig,
  logger: Logger,
): Promise<{ ledger: DeliveryLedger; pool?: pg.Pool }> {
  const pgConfig = toPgConfig(config, { defaultDatabase: 'business_db' });
  if (pgConfig === undefined) {
    logger.warn(
      'no DATABASE_URL or DB_HOST: the delivery ledger is in memory, so one email per key holds only within this process',
    );
    return { ledger: new MemoryDeliveryLedger(config.NOTIFICATION_DEDUPE_RETENTION) };
  }
  const pool = await openAgentDatabase(pgConfig, {
    name: 'notification-agent',
    migrations: NOTIFICATION_MIGRATIONS,
    logger,
    holds: 'delivery ledger',
  });
  const ledger = new PgDeliveryLedger(pool, {
    retentionMs: config.NOTIFICATION_DEDUPE_RETENTION,
    markLingerMs: config.NOTIFICATION_MARK_LINGER,
  });
  return { ledger, pool };
}

/** notification-agent's services for runAgentMain. */
export async function buildServices(
  config: NotificationAgentConfig,
  logger: Logger,
): Promise<AgentServices<NotificationServices>> {
  const built = await buildNotificationServices(config, logger);
  return {
    app: built.services,
    metrics: [built.metrics.registry, built.busMetrics.registry],
    healthCheck: built.healthCheck,
    close: built.close,
  };
}
