import { MeshError, OutboundBatcher } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import type { BatchProxies, OrderEventPayload, SagaProxies, StepOptions } from './saga-ports.js';

/** How the order agent batches its non-critical calls (config.ts maps env to these). */
export interface OutboundBatchSettings {
  /** Most emails or events per call. */
  maxBatch: number;
  /** Longest a confirmation email waits for others to join its batch. */
  emailDelayMs: number;
  /** Longest an order event waits for others to join its batch. */
  eventDelayMs: number;
  /** Bound on one batch call. */
  timeoutMs: number;
  /** Items waiting beyond this are refused (the receiver is down or far behind). */
  maxQueued: number;
}

export const defaultOutboundBatchSettings: Readonly<OutboundBatchSettings> = Object.freeze({
  maxBatch: 100,
  emailDelayMs: 50,
  eventDelayMs: 200,
  timeoutMs: 2_000,
  maxQueued: 10_000,
});

export interface EmailMessage {
  to: string;
  subject: string;
  body: string;
  order_id: string;
  /** The notification agent sends one email per key, whichever way it arrives (a call or an event). */
  idempotency_key?: string | undefined;
}

/** The proxies batching uses: each batch tool, and the single-item tool it falls back to. */
export type OutboundProxies = Pick<SagaProxies, 'email' | 'analytics'> & BatchProxies;

interface Queued<T> {
  value: T;
  trace: TraceContext | undefined;
}

type Outcome = { ok: true } | { ok: false; error: string };

/**
 * Confirmation emails and order events in batches (`notification_send_emails`, `analytics_record_events`),
 * or one call per item when the provider offers only the single-item tool. A batch call carries the trace
 * of its first item; each item's own promise settles with its own outcome.
 */
export class BatchedOutbound {
  private readonly emails: OutboundBatcher<Queued<EmailMessage>, Outcome>;
  private readonly events: OutboundBatcher<Queued<OrderEventPayload>, Outcome>;

  constructor(
    private readonly deps: OutboundProxies,
    private readonly settings: OutboundBatchSettings = defaultOutboundBatchSettings,
  ) {
    const common = { maxBatch: settings.maxBatch, maxQueued: settings.maxQueued };
    this.emails = new OutboundBatcher({
      ...common,
      name: 'confirmation emails',
      maxDelayMs: settings.emailDelayMs,
      send: (items) => this.sendEmails(items),
    });
    this.events = new OutboundBatcher({
      ...common,
      name: 'order events',
      maxDelayMs: settings.eventDelayMs,
      send: (items) => this.sendEvents(items),
    });
  }

  /** Whether an order event has somewhere to go. */
  get canRecordEvents(): boolean {
    return this.deps.analyticsBatch.available || this.deps.analytics.available;
  }

  async sendEmail(message: EmailMessage, options: StepOptions): Promise<void> {
    settle(await this.emails.add({ value: message, trace: options.trace }), 'email');
  }

  async recordEvent(event: OrderEventPayload, options: StepOptions): Promise<void> {
    settle(await this.events.add({ value: event, trace: options.trace }), 'order event');
  }

  /** Sends whatever waits and resolves once every batch has settled. */
  async drain(): Promise<void> {
    await Promise.all([this.emails.drain(), this.events.drain()]);
  }

  private async sendEmails(items: Queued<EmailMessage>[]): Promise<Outcome[]> {
    if (this.deps.emailBatch.available) {
      const reply = await this.deps.emailBatch.call(
        { messages: items.map((item) => item.value) },
        this.callOptions(items),
      );
      return items.map((_, index) => {
        const receipt = reply.receipts[index];
        if (receipt === undefined) return { ok: false, error: 'no receipt for this message' };
        return receipt.accepted ? { ok: true } : { ok: false, error: receipt.error };
      });
    }
    return this.oneByOne(items, (item) =>
      this.deps.email.call(
        { ...item.value },
        this.callOptions([item], item.value.idempotency_key ?? `email:${item.value.order_id}`),
      ),
    );
  }

  private async sendEvents(items: Queued<OrderEventPayload>[]): Promise<Outcome[]> {
    if (this.deps.analyticsBatch.available) {
      const reply = await this.deps.analyticsBatch.call(
        { events: items.map((item) => item.value) },
        this.callOptions(items),
      );
      const outcomes: Outcome[] = items.map(() => ({ ok: true }));
      for (const { index, error } of reply.rejected) outcomes[index] = { ok: false, error };
      return outcomes;
    }
    return this.oneByOne(items, (item) =>
      this.deps.analytics.call({ ...item.value }, this.callOptions([item])),
    );
  }

  private async oneByOne<T>(
    items: Queued<T>[],
    call: (item: Queued<T>) => Promise<unknown>,
  ): Promise<Outcome[]> {
    const results = await Promise.allSettled(items.map(call));
    return results.map((result) =>
      result.status === 'fulfilled'
        ? { ok: true }
        : {
            ok: false,
            error: result.reason instanceof Error ? result.reason.message : String(result.reason),
          },
    );
  }

  private callOptions(items: Queued<unknown>[], idempotencyKey?: string) {
    const trace = items[0]?.trace;
    return {
      timeoutMs: this.settings.timeoutMs,
      ...(trace ? { trace } : {}),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    };
  }
}

function settle(outcome: Outcome, what: string): void {
  if (!outcome.ok) throw new MeshError('REMOTE_ERROR', `${what} not accepted: ${outcome.error}`);
}
