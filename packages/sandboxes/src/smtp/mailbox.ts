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
}

/** The last `capacity` messages, oldest first; older ones are dropped so memory stays bounded. */
export class Mailbox {
  private readonly messages: ReceivedMessage[] = [];
  private nextId = 1;
  private dropped = 0;

  constructor(private readonly capacity: number) {}

  add(message: Omit<ReceivedMessage, 'id'>): ReceivedMessage {
    const stored = { id: this.nextId++, ...message };
    this.messages.push(stored);
    while (this.messages.length > this.capacity) {
      this.messages.shift();
      this.dropped += 1;
    }
    return stored;
  }

  /** Newest last; optionally only those addressed to `to` (case-insensitive). */
  list(to?: string): ReceivedMessage[] {
    if (to === undefined) return [...this.messages];
    const wanted = to.toLowerCase();
    return this.messages.filter((message) => message.to.some((rcpt) => rcpt.toLowerCase() === wanted));
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
