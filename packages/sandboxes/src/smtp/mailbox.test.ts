import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.js';

function delivery(to: string, subject: string) {
  const raw = Buffer.from(
    `From: Shop <shop@example.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.test>\r\n` +
      `X-Order-Id: ${subject}\r\n\r\nhello ${subject}\r\n`,
  );
  return { from: 'shop@example.test', to: [to], raw, received_at: '2026-01-01T00:00:00.000Z' };
}

describe('Mailbox', () => {
  it('parses a message when it is first read and lists it with its envelope and headers', async () => {
    const mailbox = new Mailbox(10);
    mailbox.add(delivery('a@example.test', 'one'));
    mailbox.add(delivery('B@example.test', 'two'));
    const [message] = await mailbox.list('b@example.test');
    expect(message).toMatchObject({
      id: 2,
      from: 'shop@example.test',
      to: ['B@example.test'],
      header_from: '"Shop" <shop@example.test>',
      subject: 'two',
      text: 'hello two\n',
      message_id: '<two@example.test>',
      headers: { 'x-order-id': 'two' },
    });
    expect((await mailbox.list()).map((m) => m.subject)).toEqual(['one', 'two']);
  });

  it('keeps the last messages up to its capacity and counts the dropped ones', async () => {
    const mailbox = new Mailbox(2);
    for (const subject of ['one', 'two', 'three']) mailbox.add(delivery('a@example.test', subject));
    expect((await mailbox.list()).map((m) => m.subject)).toEqual(['two', 'three']);
    expect(mailbox.stats()).toEqual({ stored: 2, dropped: 1, received: 3 });
    expect(mailbox.clear()).toBe(2);
    expect(await mailbox.list()).toEqual([]);
  });
});
