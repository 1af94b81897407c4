#!/usr/bin/env node
import { createLogger } from '@mesh/common';
import { loadSmtpSinkConfig } from './smtp/config.js';
import { createSmtpSink } from './smtp/server.js';
import { stopOnSignals } from './stop-on-signals.js';

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

stopOnSignals('smtp sink', sink, logger);
