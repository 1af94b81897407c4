import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { createSmtpSink, type SmtpSink } from './server.js';
import type { ReceivedMessage } from './mailbox.js';

describe('smtp sink', () => {
  let sink: SmtpSink;
  let smtpPort: number;
  let httpUrl: string;

  beforeAll(async () => {
    sink = createSmtpSink({ maxMessages: 3 });
    ({ smtpPort, httpUrl } = await sink.listen({ host: '127.0.0.1', smtpPort: 0, httpPort: 0 }));
  });

  afterAll(async () => {
    await sink.close();
  });

  beforeEach(async () => {
    await fetch(`${httpUrl}/messages`, { method: 'DELETE' });
  });

  function transport(auth?: { user: string; pass: string }) {
    return nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
      auth,
    });
  }

  async function messages(query = ''): Promise<ReceivedMessage[]> {
    const response = await fetch(`${httpUrl}/messages${query}`);
    return (await response.json()) as ReceivedMessage[];
  }

  it('shows a mail sent with nodemailer at GET /messages', async () => {
    const mailer = transport();
    await mailer.sendMail({
      from: 'Shop <shop@example.com>',
      to: 'user-7@example.com',
      subject: 'Order o-1 confirmed ✓',
      text: 'Thanks for your order.',
      headers: { 'X-Order-Id': 'o-1' },
    });
    mailer.close();
    const [message, ...rest] = await messages();
    expect(rest).toHaveLength(0);
    expect(message).toMatchObject({
      from: 'shop@example.com',
      to: ['user-7@example.com'],
      header_from: '"Shop" <shop@example.com>',
      subject: 'Order o-1 confirmed ✓',
      headers: { 'x-order-id': 'o-1' },
    });
    expect(message?.text.trim()).toBe('Thanks for your order.');
  });

  it('accepts any credentials and filters by recipient', async () => {
    const mailer = transport({ user: 'anyone', pass: 'anything' });
    await mailer.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'one', text: '1' });
    await mailer.sendMail({ from: 'a@example.com', to: 'c@example.com', subject: 'two', text: '2' });
    mailer.close();
    expect((await messages('?to=C@example.com')).map((m) => m.subject)).toEqual(['two']);
  });

  it('keeps only the newest messages, newest last', async () => {
    const mailer = transport();
    for (const subject of ['m1', 'm2', 'm3', 'm4']) {
      await mailer.sendMail({ from: 'a@example.com', to: 'b@example.com', subject, text: subject });
    }
    mailer.close();
    expect((await messages()).map((m) => m.subject)).toEqual(['m2', 'm3', 'm4']);
    const health = (await (await fetch(`${httpUrl}/health`)).json()) as { dropped: number; stored: number };
    expect(health.stored).toBe(3);
    expect(health.dropped).toBeGreaterThanOrEqual(1);
  });

  it('empties the mailbox on DELETE /messages', async () => {
    const mailer = transport();
    await mailer.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'gone', text: 'x' });
    mailer.close();
    const deleted = (await (await fetch(`${httpUrl}/messages`, { method: 'DELETE' })).json()) as {
      deleted: number;
    };
    expect(deleted.deleted).toBe(1);
    expect(await messages()).toEqual([]);
  });

  it('answers 404 for unknown routes', async () => {
    const response = await fetch(`${httpUrl}/nope`);
    expect(response.status).toBe(404);
  });
});
