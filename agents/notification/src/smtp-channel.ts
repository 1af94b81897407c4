import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { EmailChannel, OutgoingEmail } from './channels.js';
import { PermanentFailure } from './channels.js';
import { withSmtpSpan } from './smtp-span.js';

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

  constructor(private readonly options: SmtpChannelOptions) {
    this.domain = options.messageIdDomain ?? 'notification-agent.mesh';
    this.transport = nodemailer.createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure,
      maxConnections: options.poolSize,
      auth: options.user === undefined ? undefined : { user: options.user, pass: options.password ?? '' },
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs * 2,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      const target = { host: this.options.host, port: this.options.port, orderId: email.orderId };
      await withSmtpSpan(target, () =>
        this.transport.sendMail({
          from: this.options.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId: `<${email.messageId}@${this.domain}>`,
          headers: email.orderId === undefined ? {} : { 'X-Order-Id': email.orderId },
        }),
      );
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
}
