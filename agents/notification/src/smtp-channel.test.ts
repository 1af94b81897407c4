import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSink, type ReceivedMessage, type SmtpSink } from '@mesh/sandboxes';
import { SmtpChannel } from './smtp-channel.js';

/** Texts that exercise every rule of the message the channel writes: encodings, folding, line ends, dots. */
const CASES: { name: string; subject: string; text: string }[] = [
  {
    name: 'an order confirmation',
    subject: 'Order ord-1 confirmed',
    text: 'Your order has been processed successfully.\n\nOrder: ord-1\n  2 x WIDGET-1\nTotal: 19.98 USD',
  },
  {
    name: 'non-ASCII subject and body',
    subject: 'Commande n° 42 confirmée — merci 🎉',
    text: 'Prix : 9,99 €\nDéjà expédiée.\n日本語のテキスト',
  },
  {
    name: 'long lines, a long word and trailing spaces',
    subject: `Order ${'x'.repeat(40)} confirmed and ${'long subject words '.repeat(12)}end`,
    text: `${'word '.repeat(60)}\n${'y'.repeat(2_000)}\ntrailing spaces   \ntab\tinside\t`,
  },
  {
    name: 'dots, equals signs and From lines',
    subject: 'a=b ?= =?UTF-8?B?notencoded?=',
    text: '.\n.leading dot\n..two\nFrom here\n= sign =3D\nend.',
  },
  {
    name: 'mixed line ends',
    subject: 'line\r\nInjected: header',
    text: 'crlf\r\nbare cr\rbare lf\nend',
  },
];

describe('SmtpChannel: what the sink parses is what was sent', () => {
  let sink: SmtpSink;
  let channels: SmtpChannel[];

  beforeAll(async () => {
    sink = createSmtpSink();
    const { smtpPort } = await sink.listen({ host: '127.0.0.1', smtpPort: 0, httpPort: 0 });
    const options = { host: '127.0.0.1', port: smtpPort, secure: false, poolSize: 2, timeoutMs: 5_000 };
    channels = [
      new SmtpChannel({ ...options, from: 'Mesh Shop <orders@mesh.example>' }),
      new SmtpChannel({ ...options, from: 'Boutique Été <orders@mesh.example>' }),
      new SmtpChannel({ ...options, from: 'orders@mesh.example' }),
    ];
  });
  afterAll(async () => {
    await Promise.all(channels.map((channel) => channel.close()));
    await sink.close();
  });

  async function sendAndRead(channel: SmtpChannel, to: string, subject: string, text: string) {
    sink.mailbox.clear();
    await channel.send({ messageId: 'order-confirmation-ord-1', to, subject, text, orderId: 'ord-1' });
    const [received] = await sink.mailbox.list();
    return received as ReceivedMessage;
  }

  for (const { name, subject, text } of CASES) {
    it(`keeps the subject, text and headers: ${name}`, async () => {
      const received = await sendAndRead(channels[0]!, 'user@example.com', subject, text);
      expect(received.parse_error).toBeUndefined();
      expect(received.subject).toBe(subject.replace(/\r\n|[\r\n]/g, ' '));
      expect(received.text.replace(/\n$/, '')).toBe(text.replace(/\r\n|\r/g, '\n'));
      expect(received.message_id).toBe('<order-confirmation-ord-1@notification-agent.mesh>');
      // The parser quotes every display name it renders.
      expect(received.header_from).toBe('"Mesh Shop" <orders@mesh.example>');
      expect(received.headers).toEqual({ 'x-order-id': 'ord-1' });
      expect(received.from).toBe('orders@mesh.example');
      expect(received.to).toEqual(['user@example.com']);
    });
  }

  it('writes a sender with a non-ASCII display name, or with none', async () => {
    expect((await sendAndRead(channels[1]!, 'a@example.com', 'Hi', 'x')).header_from).toBe(
      '"Boutique Été" <orders@mesh.example>',
    );
    expect((await sendAndRead(channels[2]!, 'a@example.com', 'Hi', 'x')).header_from).toBe(
      'orders@mesh.example',
    );
  });

  it('hands a recipient with a display name to nodemailer, which writes the same message', async () => {
    const received = await sendAndRead(channels[0]!, 'Ann Example <ann@example.com>', 'Hi é', 'body é');
    expect(received.to).toEqual(['ann@example.com']);
    expect(received.subject).toBe('Hi é');
    expect(received.text.replace(/\n$/, '')).toBe('body é');
    expect(received.headers).toEqual({ 'x-order-id': 'ord-1' });
  });
});
