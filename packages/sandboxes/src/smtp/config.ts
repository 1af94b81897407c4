import { z } from 'zod';
import { envInt, parseEnvConfig, envLogLevel, type Env } from '@mesh/common';

const schema = z.object({
  SMTP_PORT: envInt(2525, 0, 65535),
  HTTP_PORT: envInt(8025, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_SINK_MAX_MESSAGES: envInt(1000, 1),
  SMTP_SINK_MAX_MESSAGE_BYTES: envInt(10 * 1024 * 1024, 1024),
  LOG_LEVEL: envLogLevel(),
});

export type SmtpSinkConfig = Readonly<z.output<typeof schema>>;

/** Reads the SMTP sink's settings (loopback by default: it accepts mail from anyone who can reach it). */
export function loadSmtpSinkConfig(env: Env = process.env): SmtpSinkConfig {
  return parseEnvConfig(schema, env, 'smtp-sink');
}
