import { simpleParser, type AddressObject } from 'mailparser';

/** One message the sink received, as the HTTP API lists it. */
export interface ReceivedMessage {
  id: number;
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** The From header as written, which may differ from the envelope. */
  header_from: string | null;
  subject: string;
  text: string;
  html: string | null;
  message_id: string | null;
  /** Extra headers that tests commonly look for (x-*, references). */
  headers: Record<string, string>;
  size: number;
  received_at: string;
  /** Present when the message could not be parsed (its envelope and size still are). */
  parse_error?: string;
}

/** What SMTP delivered: the envelope and the raw message. */
export interface Delivery {
  from: string;
  to: string[];
  raw: Buffer;
  received_at: string;
}

interface Stored extends Delivery {
  id: number;
  /** Parsed on first read, then kept. */
  parsed?: Promise<ReceivedMessage>;
}

const KEPT_HEADER = /^(x-|references$|in-reply-to$)/i;

/**
 * The last `capacity` messages, oldest first; older ones are dropped so memory stays bounded. A message is
 * parsed when it is first read, not when it arrives: most of what a load test sends is never read, and parsing
 * MIME was most of the sink's work per message.
 */
export class Mailbox {
  private readonly messages: Stored[] = [];
  private nextId = 1;
  private dropped = 0;

  constructor(private readonly capacity: number) {}

  /** Stores a delivery; returns its id. */
  add(delivery: Delivery): number {
    const id = this.nextId++;
    this.messages.push({ id, ...delivery });
    while (this.messages.length > this.capacity) {
      this.messages.shift();
      this.dropped += 1;
    }
    return id;
  }

  /** Newest last; optionally only those addressed to `to` (envelope recipient, case-insensitive). */
  list(to?: string): Promise<ReceivedMessage[]> {
    const wanted = to?.toLowerCase();
    const selected =
      wanted === undefined
        ? [...this.messages]
        : this.messages.filter((message) => message.to.some((rcpt) => rcpt.toLowerCase() === wanted));
    return Promise.all(selected.map((message) => (message.parsed ??= parse(message))));
  }

  clear(): number {
    const count = this.messages.length;
    this.messages.length = 0;
    return count;
  }

  stats(): { stored: number; dropped: number; received: number } {
    return { stored: this.messages.length, dropped: this.dropped, received: this.nextId - 1 };
  }
}

async function parse(message: Stored): Promise<ReceivedMessage> {
  const envelope = {
    id: message.id,
    from: message.from,
    to: message.to,
    size: message.raw.length,
    received_at: message.received_at,
  };
  try {
    const parsed = await simpleParser(message.raw);
    const headers: Record<string, string> = {};
    for (const [name, value] of parsed.headers) {
      if (KEPT_HEADER.test(name) && typeof value === 'string') headers[name] = value;
    }
    return {
      ...envelope,
      header_from: addressText(parsed.from),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      message_id: parsed.messageId ?? null,
      headers,
    };
  } catch (error: unknown) {
    return {
      ...envelope,
      header_from: null,
      subject: '',
      text: '',
      html: null,
      message_id: null,
      headers: {},
      parse_error: error instanceof Error ? error.message : String(error),
    };
  }
}

function addressText(address: AddressObject | AddressObject[] | undefined): string | null {
  if (address === undefined) return null;
  return Array.isArray(address) ? address.map((entry) => entry.text).join(', ') : address.text;
}
