import { MeshError } from '@mesh/common';
import type {
  ChargeRequest,
  ChargeResult,
  EventRoute,
  HeldReservation,
  OrderEventPayload,
  SagaPorts,
  StepOptions,
  UserInfo,
} from './saga-ports.js';
import type { Quote } from './pricing.js';
import type { OrderItem } from './schemas.js';

interface FakeReservation {
  id: string;
  orderId: string;
  items: OrderItem[];
  status: 'reserved' | 'committed' | 'released' | 'expired';
}

/**
 * In-memory stand-ins for the other agents, keeping the books the tests assert on: stock per SKU, reservations,
 * charges with refunds, mail and events. Behaviour switches (`declineFor`, `hangPayment`, `failEmail`…) drive
 * the error paths.
 */
export class FakeAgents implements SagaPorts {
  readonly stock = new Map<string, number>();
  /** Catalogue prices (major units) per SKU, all in `currency`; a SKU without one is unknown. */
  readonly prices = new Map<string, number>([['ITEM-1', 9.99]]);
  currency = 'usd';
  readonly reservations = new Map<string, FakeReservation>();
  readonly charges = new Map<string, { amount: number; refunded: boolean; voided: boolean }>();
  /**
   * Money taken per order id: how often a charge actually executed, which must never exceed one. Like the
   * payment agent and the gateway, a repeated payment_process answers the first outcome and takes nothing.
   */
  readonly chargesTaken = new Map<string, number>();
  /** Every payment_process request, in order, as the saga sent it. */
  readonly chargeRequests: ChargeRequest[] = [];
  /** The first outcome of payment_process per order id, replayed to every later call (declines too). */
  private readonly paymentOutcomes = new Map<string, ChargeResult>();
  readonly emails: { to: string; subject: string; order_id: string }[] = [];
  /** Order events recorded (bus or direct), and those published on the bus only (orders.created). */
  readonly events: OrderEventPayload[] = [];
  readonly published: OrderEventPayload[] = [];
  /** Which way recordEvent says events went: 'bus' means the notification agent sends the email. */
  eventRoute: EventRoute = 'direct';
  readonly calls: string[] = [];
  users = new Map<string, UserInfo>([
    ['user-1', { id: 'user-1', email: 'user-1@example.com', phone: '+15550001', name: 'User One' }],
  ]);
  declinePayments = false;
  /** Charges never answer (like tok_timeout) until the step's timeout. */
  hangPayment = false;
  failEmail = false;
  /** Reservations answer their prices (false: an inventory agent of an earlier version, without `quote`). */
  reserveQuotes = true;
  /** Errors to throw, once each, from a named port before it acts. */
  readonly failOnce = new Map<string, MeshError>();
  /** Errors to throw from a named port after it acted (a lost reply). */
  readonly loseReplyOnce = new Map<string, MeshError>();
  private nextId = 1;

  constructor(stock: Record<string, number> = { 'ITEM-1': 100 }) {
    for (const [sku, units] of Object.entries(stock)) this.stock.set(sku, units);
  }

  private enter(port: string): void {
    this.calls.push(port);
    const error = this.failOnce.get(port);
    if (error) {
      this.failOnce.delete(port);
      throw error;
    }
  }

  private leave(port: string): void {
    const error = this.loseReplyOnce.get(port);
    if (error) {
      this.loseReplyOnce.delete(port);
      throw error;
    }
  }

  async quote(items: readonly OrderItem[]): Promise<Quote> {
    this.enter('quote');
    return this.priced(items);
  }

  private priced(items: readonly OrderItem[]): Quote {
    const unknown = items.filter((item) => !this.prices.has(item.sku)).map((item) => item.sku);
    if (unknown.length > 0) throw new MeshError('UNKNOWN_SKU', 'unknown SKU', { data: { skus: unknown } });
    const cents = items.reduce(
      (sum, item) => sum + Math.round(this.prices.get(item.sku)! * 100) * item.quantity,
      0,
    );
    return { currency: this.currency, total_cents: cents };
  }

  async getUser(userId: string): Promise<UserInfo> {
    this.enter('getUser');
    const user = this.users.get(userId);
    if (!user) throw new MeshError('NOT_FOUND', `user ${userId} not found`);
    return user;
  }

  /** Like inventory_reserve_items: one reservation per order id, priced with the stock; `renew` takes it again. */
  async reserve(
    orderId: string,
    items: readonly OrderItem[],
    _ttlSeconds?: number,
    _options?: StepOptions,
    renew = false,
  ): Promise<HeldReservation> {
    this.enter('reserve');
    let reservation = [...this.reservations.values()].find((r) => r.orderId === orderId);
    const revive = reservation !== undefined && renew && ['released', 'expired'].includes(reservation.status);
    if (reservation && !revive) return this.held(reservation, true);
    const unknown = items.filter((item) => !this.prices.has(item.sku)).map((item) => item.sku);
    if (unknown.length > 0) throw new MeshError('UNKNOWN_SKU', 'unknown SKU', { data: { skus: unknown } });
    for (const item of items) {
      if ((this.stock.get(item.sku) ?? 0) < item.quantity) {
        throw new MeshError('OUT_OF_STOCK', `not enough ${item.sku}`, { data: { sku: item.sku } });
      }
    }
    for (const item of items) this.stock.set(item.sku, (this.stock.get(item.sku) ?? 0) - item.quantity);
    if (reservation) Object.assign(reservation, { items: [...items], status: 'reserved' });
    else {
      const id = `res-${this.nextId++}`;
      reservation = { id, orderId, items: [...items], status: 'reserved' };
      this.reservations.set(id, reservation);
    }
    this.leave('reserve');
    return this.held(reservation, false);
  }

  private held(reservation: FakeReservation, replayed: boolean): HeldReservation {
    return {
      reservation_id: reservation.id,
      status: reservation.status,
      items: [...reservation.items],
      replayed,
      quote: this.reserveQuotes ? this.priced(reservation.items) : undefined,
    };
  }

  /** What the inventory's sweeper does at a reservation's TTL: its stock goes back. */
  expire(reservationId: string): void {
    const reservation = this.reservations.get(reservationId);
    if (reservation?.status !== 'reserved') return;
    this.restock(reservation.items);
    reservation.status = 'expired';
  }

  /** Puts the held units of a reservation that ends without a commit back in stock. */
  private restock(items: readonly OrderItem[]): void {
    for (const item of items) this.stock.set(item.sku, (this.stock.get(item.sku) ?? 0) + item.quantity);
  }

  async release(reservationId: string): Promise<void> {
    this.enter('release');
    const reservation = this.reservations.get(reservationId);
    if (!reservation) throw new MeshError('NOT_FOUND', `no reservation ${reservationId}`);
    if (reservation.status === 'committed') throw new MeshError('CONFLICT', 'already committed');
    if (reservation.status === 'reserved') {
      this.restock(reservation.items);
      reservation.status = 'released';
    }
  }

  async commit(reservationId: string): Promise<void> {
    this.enter('commit');
    const reservation = this.reservations.get(reservationId);
    if (!reservation) throw new MeshError('NOT_FOUND', `no reservation ${reservationId}`);
    if (reservation.status === 'released' || reservation.status === 'expired') {
      throw new MeshError('CONFLICT', `already ${reservation.status}`);
    }
    reservation.status = 'committed';
    this.leave('commit');
  }

  /**
   * Like payment_process: once per order id. The first call decides (charges, or declines) and every later
   * call answers that outcome; an order voided by a refund before any charge is refused (`CONFLICT`), never
   * charged. A hung call (`hangPayment`) decides nothing, as tok_timeout at the gateway.
   */
  async charge(request: ChargeRequest, options: StepOptions): Promise<ChargeResult> {
    this.enter('charge');
    this.chargeRequests.push({ ...request });
    const decided = this.paymentOutcomes.get(request.order_id);
    if (decided) {
      this.leave('charge');
      return { ...decided };
    }
    if (this.charges.get(request.order_id)?.voided) {
      throw new MeshError('CONFLICT', `payment for order ${request.order_id} was voided by a refund`, {
        data: { order_id: request.order_id, reason: 'voided' },
      });
    }
    if (this.hangPayment) {
      await new Promise((resolve) => setTimeout(resolve, options.timeoutMs));
      throw new MeshError('TIMEOUT', 'payment_process timed out');
    }
    const outcome: ChargeResult = this.declinePayments
      ? { status: 'declined', payment_id: `pay-${request.order_id}`, decline_code: 'card_declined' }
      : { status: 'succeeded', payment_id: `pay-${request.order_id}` };
    this.paymentOutcomes.set(request.order_id, outcome);
    if (outcome.status === 'succeeded') {
      this.charges.set(request.order_id, { amount: request.amount, refunded: false, voided: false });
      this.chargesTaken.set(request.order_id, (this.chargesTaken.get(request.order_id) ?? 0) + 1);
    }
    this.leave('charge');
    return { ...outcome };
  }

  async refund(orderId: string): Promise<void> {
    this.enter('refund');
    const charge = this.charges.get(orderId);
    if (charge) charge.refunded = true;
    else this.charges.set(orderId, { amount: 0, refunded: false, voided: true });
  }

  async sendEmail(message: { to: string; subject: string; body: string; order_id: string }): Promise<void> {
    this.enter('sendEmail');
    if (this.failEmail) throw new MeshError('CONNECTION_FAILED', 'smtp down');
    this.emails.push({ to: message.to, subject: message.subject, order_id: message.order_id });
  }

  async sendSms(): Promise<void> {
    this.enter('sendSms');
  }

  async recordEvent(event: OrderEventPayload): Promise<EventRoute> {
    this.enter('recordEvent');
    this.events.push(event);
    return this.eventRoute;
  }

  async publishEvent(event: OrderEventPayload): Promise<boolean> {
    this.enter('publishEvent');
    if (this.eventRoute !== 'bus') return false;
    this.published.push(event);
    return true;
  }

  /** Charged and not refunded, per order. */
  standingCharges(): string[] {
    return [...this.charges].filter(([, c]) => c.amount > 0 && !c.refunded).map(([id]) => id);
  }

  /** Units per SKU held by open reservations. */
  reservedUnits(sku: string): number {
    let units = 0;
    for (const r of this.reservations.values()) {
      if (r.status !== 'reserved') continue;
      for (const item of r.items) if (item.sku === sku) units += item.quantity;
    }
    return units;
  }
}
