import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type { NotificationServices } from './agent.js';
import type { OutgoingPush, OutgoingSms } from './channels.js';
import type { NotificationAgentConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { createHttpChannel } from './http-channel.js';
import { NotificationMetrics } from './metrics.js';
import { NotificationService } from './notification-service.js';
import { SmtpChannel } from './smtp-channel.js';

export interface BuiltNotificationServices {
  services: NotificationServices;
  metrics: NotificationMetrics;
  /** Waits briefly for sends in flight, then closes the SMTP pool. */
  close: () => Promise<void>;
}

/** Builds the channels from config; nothing connects until the first message. */
export function buildNotificationServices(
  config: NotificationAgentConfig,
  logger: Logger,
): BuiltNotificationServices {
  const metrics = new NotificationMetrics();
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
    logger,
  });
  return {
    services: { notifications },
    metrics,
    close: async () => {
      await dispatcher.drain(config.NOTIFICATION_SEND_BUDGET * 2);
      await email.close();
    },
  };
}

/** notification-agent's services for runAgentMain. */
export function buildServices(
  config: NotificationAgentConfig,
  logger: Logger,
): AgentServices<NotificationServices> {
  const built = buildNotificationServices(config, logger);
  return { app: built.services, metrics: [built.metrics.registry], close: built.close };
}
