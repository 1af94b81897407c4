import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { EmailChannel, OutgoingEmail } from './channels.js';
import { PermanentFailure } from './channels.js';
import { displayName } from './mime-encoding.js';
import { buildPlainTextMessage, isPlainAddress } from './plain-text-message.js';
import { withSmtpSpan } from './smtp-span.js';
import { connectWithoutDelay } from './smtp-socket.js';

export interface SmtpChannelOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  /** Connections kept open to the server. */
  poolSize: number;
  /** Bound on connecting, the greeting and socket silence, so a dead server fails an attempt quickly. */
  timeoutMs: number;
  /** The domain in generated Message-ID headers. */
  messageIdDomain?: string;
}

/**
 * Email over one pooled nodemailer SMTP transport shared by every call, so bursts reuse connections
 * instead of opening one per message.
 */
export class SmtpChannel implements EmailChannel {
  private readonly transport: Transporter;
  private readonly domain: string;
  /** The From header and envelope sender, parsed once; undefined when only nodemailer's composer can write it. */
  private readonly sender: { header: string; address: string } | undefined;

  constructor(private readonly options: SmtpChannelOptions) {
    this.domain = options.messageIdDomain ?? 'notification-agent.mesh';
    this.sender = plainSender(options.from);
    this.transport = nodemailer.createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure,
      maxConnections: options.poolSize,
      // nodemailer's default (100) reconnects, greeting, EHLO, STARTTLS and AUTH included, every 100 emails
      // per connection. A server that caps a session earlier refuses with a 4xx, which is retried like any.
      maxMessages: 1_000,
      getSocket: (_options, callback) =>
        connectWithoutDelay(options.host, options.port, options.timeoutMs, callback),
      auth: options.user === undefined ? undefined : { user: options.user, pass: options.password ?? '' },
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs * 2,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      const target = { host: this.options.host, port: this.options.port, orderId: email.orderId };
      await withSmtpSpan(target, () => this.transport.sendMail(this.#mail(email)));
    } catch (error: unknown) {
      const responseCode = (error as { responseCode?: number }).responseCode;
      // 5xx SMTP replies (bad recipient, message refused) will not change on retry; 4xx and network errors may.
      if (responseCode !== undefined && responseCode >= 500) {
        throw new PermanentFailure(`SMTP server refused the message (${responseCode})`, { cause: error });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /**
   * The message built here when sender, recipient and Message-ID are plain ASCII (every order confirmation),
   * else composed by nodemailer (display names, international addresses): the same headers either way.
   */
  #mail(email: OutgoingEmail): SendMailOptions {
    const messageId = `<${email.messageId}@${this.domain}>`;
    if (this.sender !== undefined && isPlainAddress(email.to) && PLAIN_MESSAGE_ID.test(messageId)) {
      return {
        envelope: { from: this.sender.address, to: [email.to] },
        raw: buildPlainTextMessage({
          from: this.sender.header,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId,
          date: new Date(),
          headers: email.orderId === undefined ? [] : [['X-Order-Id', email.orderId]],
        }),
      };
    }
    return {
      from: this.options.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      messageId,
      headers: email.orderId === undefined ? {} : { 'X-Order-Id': email.orderId },
    };
  }
}

const PLAIN_MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+>$/;

/** `Name <address>` or `address` with an ASCII address, as a From header and envelope sender. */
function plainSender(from: string): { header: string; address: string } | undefined {
  const [first, ...rest] = addressparser(from, { flatten: true });
  if (first === undefined || rest.length > 0 || !isPlainAddress(first.address)) return undefined;
  const header = first.name === '' ? first.address : `${displayName(first.name)} <${first.address}>`;
  return { header, address: first.address };
}
