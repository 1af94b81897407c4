import { encodeBody, headerField } from './mime-encoding.js';

export interface PlainTextMessage {
  /** The From header's value, already formatted (see `formatMailbox`). */
  from: string;
  /** One plain ASCII addr-spec (see `isPlainAddress`). */
  to: string;
  subject: string;
  text: string;
  /** The whole Message-ID, angle brackets included. */
  messageId: string;
  date: Date;
  /** Extra fields, e.g. X-Order-Id. */
  headers?: ReadonlyArray<readonly [string, string]>;
}

/** An address nodemailer's composer would write as it is: ASCII, no display name, no comments or quotes. */
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

export function isPlainAddress(address: string): boolean {
  return address.length <= 254 && PLAIN_ADDRESS.test(address);
}

/**
 * A complete RFC 5322 message with one text/plain UTF-8 part, CRLF line ends, ready for SMTP DATA (dot-stuffing
 * is the transport's). It writes what nodemailer's composer writes for a plain-text email, without building a
 * MIME tree, normalising header names or parsing addresses per message: that work was most of the agent's CPU
 * per email.
 */
export function buildPlainTextMessage(message: PlainTextMessage): string {
  const { encoding, body } = encodeBody(message.text);
  const fields = [
    ...(message.headers ?? []).map(([name, value]) => headerField(name, value)),
    `From: ${message.from}`,
    `To: ${message.to}`,
    headerField('Subject', message.subject),
    `Message-ID: ${message.messageId}`,
    `Date: ${rfc5322Date(message.date)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${encoding}`,
  ];
  return `${fields.join('\r\n')}\r\n\r\n${body}\r\n`;
}

/** `Sun, 06 Dec 2026 19:56:55 +0000`: toUTCString's form with a numeric zone instead of the obsolete GMT. */
function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
