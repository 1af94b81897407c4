import { isMeshError } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import type {
  ContractInput,
  analyticsRecordEvent,
  analyticsRecordEvents,
  inventoryCommitReservation,
  inventoryQuote,
  inventoryReleaseReservation,
  inventoryReserveItems,
  notificationSendEmail,
  notificationSendEmails,
  notificationSendSms,
  paymentProcess,
  paymentRefund,
  userGet,
} from '@mesh/contracts';
import type { CapabilityContract, ContractProxy } from '@mesh/runtime';
import type { BatchedCommits } from './batched-commits.js';
import type { BatchedOutbound } from './batched-outbound.js';
import { cachedProfile, type ProfileCache } from './profile-cache.js';
import type { Quote } from './pricing.js';
import type { OrderItem } from './schemas.js';

/** Per-step call options: the saga computes each step's timeout from its own deadline. */
export interface StepOptions {
  timeoutMs: number;
  trace?: TraceContext | undefined;
  signal?: AbortSignal | undefined;
}

export interface UserInfo {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
}

/** A reservation as the saga sees it. */
export interface HeldReservation {
  reservation_id: string;
  /** 'reserved' while it holds stock; 'committed', 'released' or 'expired' when it was the order's before. */
  status: string;
  /** What it holds, per SKU. */
  items: readonly OrderItem[];
  /** The order already had it (a retry or a replay), rather than this call making it. */
  replayed: boolean;
  /** What the reserved items cost, read with the stock; absent from inventory agents of earlier versions. */
  quote?: Quote | undefined;
}

export interface ChargeRequest {
  order_id: string;
  user_id: string;
  amount: number;
  currency?: string | undefined;
  payment_method?: string | undefined;
  /**
   * The order was placed in this run, so payment_process was never asked for it: the payment agent skips
   * looking for an earlier decision. Never set when the order is picked up again (recovery, a duplicate).
   */
  first_attempt?: boolean | undefined;
}

export interface ChargeResult {
  status: 'succeeded' | 'declined';
  payment_id: string;
  decline_code?: string | undefined;
}

/**
 * An order event (`orders.created`, `orders.completed`, `orders.failed`, `orders.compensated`): what analytics
 * counts and what the notification agent needs for the confirmation email, so neither calls back.
 */
export interface OrderEventPayload {
  type: string;
  order_id: string;
  user_id?: string | undefined;
  /** The order total in major units. */
  amount?: number | undefined;
  currency?: string | undefined;
  items?: readonly OrderItem[] | undefined;
  payment_id?: string | null | undefined;
  /**
   * The confirmation email, on completed orders of users with an address: the notification agent sends it
   * from the event (one per order), so the template stays here whichever way the email goes.
   */
  confirmation?: ConfirmationEmail | undefined;
  error_code?: string | undefined;
  occurred_at: string;
}

export interface ConfirmationEmail {
  to: string;
  subject: string;
  body: string;
}

/**
 * Where an order event went: on the event bus (confirmed by the broker: its consumers, notification included,
 * take it from there), to the analytics agent by a direct call (no bus, or the bus failed), or nowhere.
 */
export type EventRoute = 'bus' | 'direct' | 'none';

/** The broker's message id of an order event: one per order and type, so consumers can drop redeliveries. */
export function eventMessageId(event: Pick<OrderEventPayload, 'order_id' | 'type'>): string {
  return `${event.order_id}:${event.type}`;
}

/**
 * Everything the saga asks of other agents, as plain functions. Remote business errors arrive as MeshError with
 * the remote code (NOT_FOUND, OUT_OF_STOCK, CONFLICT); transport failures as TIMEOUT, DEPENDENCY_UNAVAILABLE,
 * CIRCUIT_OPEN, CONNECTION_FAILED. Tests pass fakes; services.ts passes `portsFromProxies`.
 */
export interface SagaPorts {
  /** What the items cost at catalogue prices; UNKNOWN_SKU (data.skus) when the catalogue lacks one. */
  quote(items: readonly OrderItem[], options: StepOptions): Promise<Quote>;
  getUser(userId: string, options: StepOptions): Promise<UserInfo>;
  /**
   * Reserves the items for the order (idempotent per order id) and says what they cost; `renew` holds the stock
   * again when the order's reservation was released or expired.
   */
  reserve(
    orderId: string,
    items: readonly OrderItem[],
    ttlSeconds: number,
    options: StepOptions,
    renew?: boolean,
  ): Promise<HeldReservation>;
  release(reservationId: string, options: StepOptions): Promise<void>;
  commit(reservationId: string, options: StepOptions): Promise<void>;
  charge(request: ChargeRequest, options: StepOptions): Promise<ChargeResult>;
  /** Refunds a charge, or voids an order never charged so a late charge cannot happen. Safe to repeat. */
  refund(orderId: string, options: StepOptions): Promise<void>;
  /** Sends the confirmation email, once per order whichever way it goes (an idempotency key per order). */
  sendEmail(
    message: { to: string; subject: string; body: string; order_id: string },
    options: StepOptions,
  ): Promise<void>;
  sendSms(message: { to: string; body: string }, options: StepOptions): Promise<void>;
  /**
   * Publishes an order event on the event bus; without a bus, or when the publish fails, records it with the
   * analytics agent directly. Says which way it went.
   */
  recordEvent(event: OrderEventPayload, options: StepOptions): Promise<EventRoute>;
  /** Publishes an informational event on the event bus only (no fallback); false without a bus. */
  publishEvent(event: OrderEventPayload, options: StepOptions): Promise<boolean>;
}

/** A proxy of any capability, untyped: what test fakes implement (it fits every `ProxyOf`). */
export interface ProxyLike {
  readonly available: boolean;
  call<T = unknown>(
    args: Record<string, unknown>,
    opts?: { timeoutMs?: number; idempotencyKey?: string; signal?: AbortSignal; trace?: TraceContext },
  ): Promise<T>;
}

/** The slice of a runtime contract proxy the ports use: `call` is typed by the capability's contract. */
export type ProxyOf<C extends CapabilityContract> = Pick<ContractProxy<C>, 'available' | 'call'>;

/** The order agent's dependencies, by role. */
export interface SagaProxies {
  quote: ProxyOf<typeof inventoryQuote>;
  user: ProxyOf<typeof userGet>;
  reserve: ProxyOf<typeof inventoryReserveItems>;
  release: ProxyOf<typeof inventoryReleaseReservation>;
  commit: ProxyOf<typeof inventoryCommitReservation>;
  pay: ProxyOf<typeof paymentProcess>;
  refund: ProxyOf<typeof paymentRefund>;
  email: ProxyOf<typeof notificationSendEmail>;
  sms: ProxyOf<typeof notificationSendSms>;
  analytics: ProxyOf<typeof analyticsRecordEvent>;
}

/** The batch tools `BatchedOutbound` prefers. */
export interface BatchProxies {
  emailBatch: ProxyOf<typeof notificationSendEmails>;
  analyticsBatch: ProxyOf<typeof analyticsRecordEvents>;
}

/** Where order events and confirmations go besides direct calls. */
export interface PortChannels {
  /** Order events to the event bus (RabbitMQ) first, when one is configured. */
  bus?: EventPublisher;
  traceparent?: (trace: TraceContext) => string;
  /** Confirmation emails and order events in batches instead of one call each. */
  outbound?: BatchedOutbound;
  /** Counts events whose publish failed and that went by a direct call instead. */
  onFellBack?: (topic: string) => void;
  /** Reservation commits of concurrent orders coalesced into one call instead of one call each. */
  commits?: BatchedCommits;
  /** user_get answers kept in memory, so repeat orders by a user cost no call to the user agent. */
  profiles?: ProfileCache;
}

/** Publishes to the event bus (RabbitMQ) when one is configured; resolves false when there is none. */
export interface EventPublisher {
  publish(
    topic: string,
    payload: unknown,
    options?: { traceparent?: string; messageId?: string },
  ): Promise<boolean>;
}

function callOptions(options: StepOptions, idempotencyKey?: string) {
  const opts: { timeoutMs: number; signal?: AbortSignal; trace?: TraceContext; idempotencyKey?: string } = {
    timeoutMs: Math.max(1, options.timeoutMs),
  };
  if (options.signal) opts.signal = options.signal;
  if (options.trace) opts.trace = options.trace;
  if (idempotencyKey !== undefined) opts.idempotencyKey = idempotencyKey;
  return opts;
}

/**
 * Ports over the runtime's dependency proxies, with order events on the event bus when there is one and
 * emails and events batched when `channels.outbound` is given.
 */
export function portsFromProxies(deps: SagaProxies, channels: PortChannels = {}): SagaPorts {
  const { bus, outbound } = channels;
  return {
    async quote(items, options) {
      const quote = await deps.quote.call({ items: [...items] }, callOptions(options));
      return { currency: quote.currency, total_cents: quote.total_cents };
    },
    getUser(userId, options) {
      const fetchUser = async (): Promise<UserInfo> => {
        const user = await deps.user.call({ user_id: userId }, callOptions(options));
        const text = (value: string | undefined): string | null =>
          value !== undefined && value !== '' ? value : null;
        return {
          id: text(user.id) ?? userId,
          email: text(user.email),
          phone: text(user.phone),
          name: text(user.name),
        };
      };
      return channels.profiles ? cachedProfile(channels.profiles, userId, fetchUser) : fetchUser();
    },
    async reserve(orderId, items, ttlSeconds, options, renew = false) {
      const args: ContractInput<typeof inventoryReserveItems> = {
        order_id: orderId,
        items: [...items],
        ttl_seconds: ttlSeconds,
      };
      if (renew) args.renew = true;
      const held = await deps.reserve.call(args, callOptions(options, `reserve:${orderId}`));
      const { reservation_id, status, items: reserved, replayed, quote } = held;
      return {
        reservation_id,
        status,
        items: reserved,
        replayed,
        quote: quote && { currency: quote.currency, total_cents: quote.total_cents },
      };
    },
    async release(reservationId, options) {
      await deps.release.call({ reservation_id: reservationId }, callOptions(options));
    },
    async commit(reservationId, options) {
      if (channels.commits) return channels.commits.commit(reservationId, options);
      await deps.commit.call({ reservation_id: reservationId }, callOptions(options));
    },
    charge(request, options) {
      const args: ContractInput<typeof paymentProcess> = {
        order_id: request.order_id,
        user_id: request.user_id,
        amount: request.amount,
      };
      if (request.currency !== undefined) args.currency = request.currency;
      if (request.payment_method !== undefined) args.payment_method = request.payment_method;
      if (request.first_attempt === true) args.first_attempt = true;
      return deps.pay.call(args, callOptions(options, `charge:${request.order_id}`));
    },
    async refund(orderId, options) {
      await deps.refund.call({ order_id: orderId }, callOptions(options, `refund:${orderId}`));
    },
    async sendEmail(message, options) {
      // The same key whichever way the email goes (bus consumer or this call), so it is sent once.
      const idempotencyKey = `order-confirmation:${message.order_id}`;
      const email = { ...message, idempotency_key: idempotencyKey };
      if (outbound) return outbound.sendEmail(email, options);
      await deps.email.call(email, callOptions(options, idempotencyKey));
    },
    async sendSms(message, options) {
      await deps.sms.call(message, callOptions(options));
    },
    async publishEvent(event, options) {
      if (!bus) return false;
      return bus.publish(event.type, event, publishOptions(event, options));
    },
    async recordEvent(event, options) {
      if (bus) {
        if (await bus.publish(event.type, event, publishOptions(event, options))) return 'bus';
        channels.onFellBack?.(event.type);
      }
      if (outbound) {
        if (!outbound.canRecordEvents) return 'none';
        await outbound.recordEvent(event, options);
        return 'direct';
      }
      if (!deps.analytics.available) return 'none';
      await deps.analytics.call({ ...event }, callOptions(options));
      return 'direct';
    },
  };

  function publishOptions(event: OrderEventPayload, options: StepOptions) {
    const published: { traceparent?: string; messageId: string } = { messageId: eventMessageId(event) };
    if (options.trace && channels.traceparent) published.traceparent = channels.traceparent(options.trace);
    return published;
  }
}

/** Whether a remote error means "the thing does not exist" rather than "could not ask". */
export function isRemoteNotFound(error: unknown): boolean {
  return isMeshError(error, 'NOT_FOUND');
}
