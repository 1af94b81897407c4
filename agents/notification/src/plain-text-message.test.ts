import { describe, expect, it } from 'vitest';
import { buildPlainTextMessage, isPlainAddress } from './plain-text-message.js';

const base = {
  from: 'Mesh Shop <orders@mesh.example>',
  to: 'user@example.com',
  messageId: '<order-confirmation-ord-1@notification-agent.mesh>',
  date: new Date(Date.UTC(2026, 11, 6, 19, 56, 55)),
  headers: [['X-Order-Id', 'ord-1']] as const,
};

function split(raw: string): { headers: string[]; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  return { headers: raw.slice(0, end).split('\r\n'), body: raw.slice(end + 4) };
}

describe('buildPlainTextMessage', () => {
  it('writes every header of an order confirmation, 7bit for short ASCII lines', () => {
    const raw = buildPlainTextMessage({
      ...base,
      subject: 'Order ord-1 confirmed',
      text: 'Thanks.\n\nTotal: 9.99',
    });
    expect(raw).toBe(
      [
        'X-Order-Id: ord-1',
        'From: Mesh Shop <orders@mesh.example>',
        'To: user@example.com',
        'Subject: Order ord-1 confirmed',
        'Message-ID: <order-confirmation-ord-1@notification-agent.mesh>',
        'Date: Sun, 06 Dec 2026 19:56:55 +0000',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Thanks.',
        '',
        'Total: 9.99',
        '',
      ].join('\r\n'),
    );
  });

  it('ends every line in CRLF and keeps header lines within 78 and body lines within 76 characters', () => {
    const raw = buildPlainTextMessage({
      ...base,
      subject: `Commande confirmée ${'é'.repeat(100)} ${'word '.repeat(40)}`,
      text: `Prix : 9,99 €\r\n${'z'.repeat(500)}\rlone cr\n${'=é '.repeat(80)}`,
    });
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const { headers, body } = split(raw);
    for (const line of headers) expect(line.length).toBeLessThanOrEqual(78);
    for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    expect(raw).toContain('Content-Transfer-Encoding: quoted-printable');
    // Only ASCII goes on the wire: non-ASCII text is encoded.
    expect([...raw].every((char) => char.charCodeAt(0) < 0x80)).toBe(true);
    expect(headers.filter((line) => line.startsWith('Subject: =?UTF-8?B?'))).toHaveLength(1);
  });

  it('cannot be made to write a header of the caller’s choosing', () => {
    const raw = buildPlainTextMessage({ ...base, subject: 'Hi\r\nBcc: victim@example.com', text: 'x' });
    expect(split(raw).headers.some((line) => line.startsWith('Bcc:'))).toBe(false);
  });

  it('encodes trailing spaces and equals signs in quoted-printable', () => {
    const { body } = split(buildPlainTextMessage({ ...base, subject: 's', text: 'é = x \nnext' }));
    expect(body).toBe('=C3=A9 =3D x=20\r\nnext\r\n');
  });
});

describe('isPlainAddress', () => {
  it('takes a bare ASCII address only', () => {
    expect(isPlainAddress('user.name+tag@example.com')).toBe(true);
    expect(isPlainAddress('Ann <ann@example.com>')).toBe(false);
    expect(isPlainAddress('ann@exämple.com')).toBe(false);
    expect(isPlainAddress('ann@example.com\r\nBcc: x@y')).toBe(false);
  });
});
