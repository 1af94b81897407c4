import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpSink, type ReceivedMessage, type SmtpSink } from '@mesh/sandboxes';
import { freePort } from '@mesh/testkit';
import type { OutgoingPush, OutgoingSms } from './channels.js';
import { Dispatcher } from './dispatcher.js';
import { createHttpChannel } from './http-channel.js';
import { NotificationMetrics } from './metrics.js';
import { NotificationService } from './notification-service.js';
import { SmtpChannel } from './smtp-channel.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A provider on loopback that answers with the queued statuses (200 once they run out). */
async function startProvider(): Promise<{
  url: string;
  received: Received[];
  statuses: number[];
  server: Server;
}> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    received,
    statuses,
    server,
  };
}

function makeService(options: {
  smtpPort: number;
  smsUrl?: string;
  pushUrl?: string;
  budgetMs?: number;
  smtpTimeoutMs?: number;
}) {
  const metrics = new NotificationMetrics();
  const dispatcher = new Dispatcher({ attempts: 3, retryDelayMs: 20, metrics });
  const email = new SmtpChannel({
    host: '127.0.0.1',
    port: options.smtpPort,
    secure: false,
    from: 'Shop <shop@example.com>',
    poolSize: 2,
    timeoutMs: options.smtpTimeoutMs ?? 1000,
  });
  const service = new NotificationService({
    email,
    sms: createHttpChannel<OutgoingSms>({
      url: options.smsUrl,
      apiKey: 'sms-secret',
      timeoutMs: 1000,
      toBody: (m) => ({ to: m.to, body: m.body }),
    }),
    push: createHttpChannel<OutgoingPush>({
      url: options.pushUrl,
      timeoutMs: 1000,
      toBody: (m) => ({ user_id: m.userId, title: m.title, body: m.body }),
    }),
    dispatcher,
    metrics,
    budgetMs: options.budgetMs ?? 3000,
  });
  return { service, metrics, dispatcher, close: () => email.close() };
}

async function counter(
  metrics: NotificationMetrics,
  name: string,
): Promise<Array<{ labels: object; value: number }>> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('notification service', () => {
  let sink: SmtpSink;
  let smtpPort: number;
  let inbox: string;

  beforeAll(async () => {
    sink = createSmtpSink();
    const bound = await sink.listen({ host: '127.0.0.1', smtpPort: 0, httpPort: 0 });
    smtpPort = bound.smtpPort;
    inbox = `${bound.httpUrl}/messages`;
  });

  afterAll(async () => {
    await sink.close();
  });

  beforeEach(async () => {
    await fetch(inbox, { method: 'DELETE' });
  });

  it('delivers an email that arrives at the SMTP sink', async () => {
    const { service, metrics, close } = makeService({ smtpPort });
    const receipt = await service.sendEmail({
      to: 'user-3@example.com',
      subject: 'Order o-9 confirmed',
      body: 'Thank you!',
      order_id: 'o-9',
    });
    await close();
    expect(receipt).toMatchObject({ accepted: true, delivered: true });
    const messages = (await (await fetch(inbox)).json()) as ReceivedMessage[];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      to: ['user-3@example.com'],
      subject: 'Order o-9 confirmed',
      headers: { 'x-order-id': 'o-9' },
    });
    expect(messages[0]?.message_id).toContain(receipt.message_id);
    expect(await counter(metrics, 'notification_deliveries_total')).toEqual([
      { labels: { channel: 'email', outcome: 'delivered' }, value: 1 },
    ]);
  });

  it('accepts an email and reports it undelivered, without throwing, when SMTP is down', async () => {
    const deadPort = await freePort();
    const { service, metrics, close } = makeService({ smtpPort: deadPort });
    const receipt = await service.sendEmail({ to: 'user-1@example.com', subject: 's', body: 'b' });
    await close();
    expect(receipt).toMatchObject({ accepted: true, delivered: false });
    expect(receipt.pending).toBeUndefined();
    expect(receipt.error).toMatch(/ECONNREFUSED|connect/i);
    expect(await counter(metrics, 'notification_delivery_failures_total')).toEqual([
      { labels: { channel: 'email' }, value: 1 },
    ]);
    expect(await counter(metrics, 'notification_delivery_retries_total')).toEqual([
      { labels: { channel: 'email' }, value: 2 },
    ]);
  }, 10_000);

  it('answers within its budget while a silent SMTP server holds the send', async () => {
    const sockets: Socket[] = [];
    const silent: TcpServer = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { service, dispatcher, close } = makeService({
      smtpPort: (silent.address() as AddressInfo).port,
      budgetMs: 200,
      smtpTimeoutMs: 60_000,
    });
    const receipt = await service.sendEmail({ to: 'user-1@example.com', subject: 's', body: 'b' });
    expect(receipt).toMatchObject({ accepted: true, delivered: false, pending: true });
    expect(dispatcher.pending).toBe(1);
    await close();
    for (const socket of sockets) socket.destroy();
    await dispatcher.drain(2000);
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }, 10_000);

  it('posts an SMS as JSON {to, body} to the provider with its key', async () => {
    const provider = await startProvider();
    const { service, close } = makeService({ smtpPort, smsUrl: provider.url });
    const receipt = await service.sendSms({ to: '+15550100', body: 'Your order shipped' });
    await close();
    provider.server.close();
    expect(receipt).toMatchObject({ accepted: true, delivered: true });
    expect(provider.received).toHaveLength(1);
    expect(provider.received[0]?.body).toEqual({ to: '+15550100', body: 'Your order shipped' });
    expect(provider.received[0]?.headers['authorization']).toBe('Bearer sms-secret');
  });

  it('retries an SMS after a 503 and gives up at once on a 400', async () => {
    const provider = await startProvider();
    const { service, close } = makeService({ smtpPort, smsUrl: provider.url });
    provider.statuses.push(503);
    expect(await service.sendSms({ to: '+15550100', body: 'retry me' })).toMatchObject({ delivered: true });
    expect(provider.received).toHaveLength(2);
    provider.statuses.push(400);
    const refused = await service.sendSms({ to: '+15550100', body: 'bad' });
    expect(refused).toMatchObject({ accepted: true, delivered: false, error: 'provider answered 400' });
    expect(provider.received).toHaveLength(3);
    await close();
    provider.server.close();
  });

  it('accepts an SMS as disabled when no provider is configured', async () => {
    const { service, metrics, close } = makeService({ smtpPort });
    const receipt = await service.sendSms({ to: '+15550100', body: 'x' });
    await close();
    expect(receipt).toMatchObject({ accepted: true, delivered: false, disabled: true });
    expect(await counter(metrics, 'notification_deliveries_total')).toEqual([
      { labels: { channel: 'sms', outcome: 'disabled' }, value: 1 },
    ]);
  });

  it('posts a push to the provider when configured and logs it otherwise', async () => {
    const provider = await startProvider();
    const withProvider = makeService({ smtpPort, pushUrl: provider.url });
    expect(
      await withProvider.service.sendPush({ user_id: 'user-5', title: 'Hi', body: 'there' }),
    ).toMatchObject({ delivered: true });
    expect(provider.received[0]?.body).toEqual({ user_id: 'user-5', title: 'Hi', body: 'there' });
    const without = makeService({ smtpPort });
    expect(await without.service.sendPush({ user_id: 'user-5', title: 'Hi', body: 'there' })).toMatchObject({
      accepted: true,
      delivered: false,
      disabled: true,
    });
    await withProvider.close();
    await without.close();
    provider.server.close();
  });
});
