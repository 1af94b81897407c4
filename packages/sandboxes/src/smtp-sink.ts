#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { loadSmtpSinkConfig } from './smtp/config.js';
import { createSmtpSink } from './smtp/server.js';

const config = loadSmtpSinkConfig();
const logger = createLogger({ name: 'smtp-sink', level: config.LOG_LEVEL });
const sink = createSmtpSink({
  maxMessages: config.SMTP_SINK_MAX_MESSAGES,
  maxMessageBytes: config.SMTP_SINK_MAX_MESSAGE_BYTES,
  logger,
});
const bound = await sink.listen({
  host: config.HOST,
  smtpPort: config.SMTP_PORT,
  httpPort: config.HTTP_PORT,
});
logger.info({ host: config.HOST, ...bound, state: 'in-memory' }, 'smtp sink listening');

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'smtp sink stopping');
  sink.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'smtp sink did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
