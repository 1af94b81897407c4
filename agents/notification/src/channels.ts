/** A message ready to go out on one channel; `send` throws on failure, PermanentFailure when a retry is futile. */
export interface OutgoingEmail {
  messageId: string;
  to: string;
  subject: string;
  text: string;
  orderId?: string | undefined;
}

export interface OutgoingSms {
  messageId: string;
  to: string;
  body: string;
}

export interface OutgoingPush {
  messageId: string;
  userId: string;
  title: string;
  body: string;
}

/** Sends email (the SMTP transport in production, a fake in unit tests). */
export interface EmailChannel {
  send(email: OutgoingEmail): Promise<void>;
  close(): Promise<void>;
}

/** Sends one SMS or push; undefined when the channel has no provider configured (accepted, logged, not sent). */
export interface HttpChannel<M> {
  readonly enabled: boolean;
  send(message: M, signal: AbortSignal): Promise<void>;
}

/** A failure that retrying cannot fix (a 4xx from a provider, a rejected recipient). */
export class PermanentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}
