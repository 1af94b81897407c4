import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { sendJson, silentLogger, type Logger } from '@mesh/common';
import { listenOn, urlHost } from '../listen.js';
import { Mailbox } from './mailbox.js';

export interface SmtpSinkOptions {
  /** Messages kept for the HTTP API; older ones are dropped. */
  maxMessages?: number;
  /** Largest message accepted, in bytes. */
  maxMessageBytes?: number;
  logger?: Logger;
}

export interface SmtpSink {
  readonly mailbox: Mailbox;
  /** Starts the SMTP listener and the HTTP API (port 0 = any free port for either). */
  listen(options: {
    host: string;
    smtpPort: number;
    httpPort: number;
  }): Promise<{ smtpPort: number; httpPort: number; httpUrl: string }>;
  close(): Promise<void>;
}

/**
 * A mail sink for local runs and tests: an SMTP server that accepts every message (with or without AUTH,
 * any credentials) and an HTTP API to read and clear what arrived. Nothing is relayed anywhere.
 */
export function createSmtpSink(options: SmtpSinkOptions = {}): SmtpSink {
  const logger = options.logger ?? silentLogger();
  const maxBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const mailbox = new Mailbox(options.maxMessages ?? 1000);

  const smtp = new SMTPServer({
    name: 'smtp-sink.local',
    banner: 'mesh smtp sink: accepts all mail, relays nothing',
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    // A reverse DNS lookup per connection only slows a local sink down (and stalls without a resolver).
    disableReverseLookup: true,
    size: maxBytes,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const error = Object.assign(new Error(`message exceeds ${maxBytes} bytes`), { responseCode: 552 });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        const id = mailbox.add({ from: envelopeFrom, to, raw, received_at: new Date().toISOString() });
        logger.debug({ id, to, size: raw.length }, 'mail received');
        callback(null, `queued as ${id}`);
      });
    },
  });
  smtp.on('error', (error) => logger.warn({ err: error }, 'smtp connection error'));

  const http: Server = createServer((req, res) => {
    route(req, res, mailbox).catch((error: unknown) => {
      logger.error({ err: error }, 'smtp sink http request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
    });
  });

  return {
    mailbox,
    async listen({ host, smtpPort, httpPort }) {
      // SMTPServer.listen only hands its arguments to this net.Server.
      const boundSmtp = await listenOn(smtp.server, smtpPort, host);
      const boundHttp = await listenOn(http, httpPort, host);
      return { smtpPort: boundSmtp, httpPort: boundHttp, httpUrl: `http://${urlHost(host)}:${boundHttp}` };
    },
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        }),
      ]);
    },
  };
}

async function route(req: IncomingMessage, res: ServerResponse, mailbox: Mailbox): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sink.invalid');
  const method = req.method ?? 'GET';
  req.resume();
  if (url.pathname === '/health' && method === 'GET') {
    sendJson(res, 200, { status: 'ok', service: 'smtp-sink', ...mailbox.stats() });
    return;
  }
  if (url.pathname === '/messages' && method === 'GET') {
    const to = url.searchParams.get('to') ?? undefined;
    sendJson(res, 200, await mailbox.list(to));
    return;
  }
  if (url.pathname === '/messages' && method === 'DELETE') {
    sendJson(res, 200, { deleted: mailbox.clear() });
    return;
  }
  sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${method} ${url.pathname}` } });
}
