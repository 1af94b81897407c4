import { z } from 'zod';
import {
  envBool,
  envDurationMs,
  envInt,
  envUrl,
  parseEnvConfig,
  resolveSecretFiles,
  type Env,
} from '@mesh/common';
import { postgresEnvShape, rabbitmqEnvShape } from '@mesh/backends';
import { meshEnvSchema } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  /** business_db by default: the delivery ledger (one email per idempotency key) lives there. */
  ...postgresEnvShape,
  /** With a broker, confirmation emails come from `orders.completed` events as well as from calls. */
  ...rabbitmqEnvShape,
  /** Durable queue bound to `orders.completed`; replicas share it (competing consumers). */
  NOTIFICATION_QUEUE: z.string().min(1).default('notification-agent.order-emails'),
  /** Unacked deliveries per replica: emails being sent at once from the queue. */
  NOTIFICATION_PREFETCH: envInt(20, 1, 1000),
  /** Deliveries of one event before it goes to `<queue>.dlq` (about four minutes of retries at 8). */
  NOTIFICATION_MAX_ATTEMPTS: envInt(8, 1, 100),
  /** How long a sender's claim on an idempotency key holds; a sender that died is taken over after it. */
  NOTIFICATION_DEDUPE_LEASE: envDurationMs('30s'),
  /** How long sent keys are remembered (a redelivery or a replay older than this sends again). */
  NOTIFICATION_DEDUPE_RETENTION: envDurationMs('720h'),
  /**
   * How long the ledger's mark of a sent email waits for the marks of others, so one statement marks a batch
   * (bare numbers are ms). It widens the window in which a crash after the SMTP server accepted an email sends
   * it again, by as much. 0: no wait.
   */
  NOTIFICATION_MARK_LINGER: envDurationMs('20ms', 'ms').refine((ms) => ms <= 1_000, {
    message: 'must be at most 1s (an email sent but not yet marked may be sent again after a crash)',
  }),
  /** The local SMTP sink by default. */
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: envInt(2525, 1, 65535),
  SMTP_SECURE: envBool(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().min(3).default('Agent Mesh <no-reply@mesh.local>'),
  SMTP_POOL_SIZE: envInt(5, 1, 100),
  /** Bound on connecting to and hearing from the SMTP server per attempt. */
  SMTP_TIMEOUT: envDurationMs('5s'),
  /** POST {to, body} here; unset = SMS accepted and logged, never sent. */
  SMS_PROVIDER_URL: envUrl(['http', 'https']).optional(),
  SMS_API_KEY: z.string().min(1).optional(),
  /** POST {user_id, title, body} here; unset = push accepted and logged only. */
  PUSH_PROVIDER_URL: envUrl(['http', 'https']).optional(),
  PUSH_API_KEY: z.string().min(1).optional(),
  /** How long a send tool waits for delivery before answering delivered:false (delivery goes on). */
  NOTIFICATION_SEND_BUDGET: envDurationMs('2s'),
  NOTIFICATION_RETRY_ATTEMPTS: envInt(3, 1, 10),
  NOTIFICATION_RETRY_DELAY: envDurationMs('200ms'),
  /** Bound on one SMS/push HTTP attempt. */
  NOTIFICATION_HTTP_TIMEOUT: envDurationMs('3s'),
});

export type NotificationAgentConfig = Readonly<z.output<typeof schema>>;

/** The notification agent's settings; passwords and keys may come from `*_FILE` (Docker secrets). */
export function loadConfig(env: Env = process.env): NotificationAgentConfig {
  const resolved = resolveSecretFiles(withoutEmpty(env), [
    'SMTP_PASSWORD',
    'SMS_API_KEY',
    'PUSH_API_KEY',
    'DB_PASSWORD',
    'RABBITMQ_URL',
  ]);
  return parseEnvConfig(schema, resolved, 'notification-agent');
}

/** Compose passes unset variables as empty strings (`${SMS_PROVIDER_URL:-}`): treat those as unset. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
