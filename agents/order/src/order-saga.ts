import { createHash } from 'node:crypto';
import { MeshError, isMeshError, silentLogger, toMeshError } from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import { Announcements } from './announcements.js';
import { business } from './business-failure.js';
import { Compensator, confirmationEmail, orderEvent } from './compensator.js';
import { LeaseKeeper } from './lease-keeper.js';
import { isDecided, publicStatus } from './order-state.js';
import type { OrderPatch, OrderRecord, OrderStore } from './order-store.js';
import { OrderIntake } from './order-intake.js';
import type { SagaPorts, StepOptions } from './saga-ports.js';
import { writeNeverApplied } from './write-never-applied.js';
import type { OrderError, OrderInput, OrderResult, OrderView } from './schemas.js';

/** Tunables of the saga (config.ts maps env to these). */
export interface SagaSettings {
  /** ORDER_PROCESSING_TIMEOUT: the forward path must finish within it, or the order is compensated. */
  processingTimeoutMs: number;
  /** Lease on an order while a process drives it; renewed every third of it. */
  leaseMs: number;
  /** Budget of one compensation attempt (refund + release); a failed attempt is retried by recovery. */
  compensationTimeoutMs: number;
  /** Lifetime of a reservation; longer than the processing timeout so a slow charge still commits. */
  reservationTtlSeconds: number;
  /** Bound on the non-critical confirmation email/SMS and analytics event. */
  notifyTimeoutMs: number;
  /**
   * The currency an order that names none is taken to mean when comparing a repeated request with the first
   * (lowercase ISO code). What an order is charged in is the catalogue's currency of its items.
   */
  currency: string;
  /** Also text the customer when the user has a phone number. */
  sendSms: boolean;
  /** Per-step caps (the saga deadline caps them further). */
  stepTimeoutMs: number;
  /** How often a duplicate request checks whether the first one finished (upper bound of its backoff). */
  duplicatePollMs: number;
}

export const defaultSagaSettings: Readonly<SagaSettings> = Object.freeze({
  processingTimeoutMs: 30_000,
  leaseMs: 10_000,
  compensationTimeoutMs: 15_000,
  reservationTtlSeconds: 120,
  notifyTimeoutMs: 2_000,
  currency: 'usd',
  sendSms: false,
  stepTimeoutMs: 5_000,
  duplicatePollMs: 250,
});

/** Per-request context from the tool handler. */
export interface CallContext {
  trace?: TraceContext | undefined;
  logger?: Logger | undefined;
}

/** How soon recovery tries again an order it found `reserved` while the payment agent could not be reached. */
const RETRY_PAYMENT_MS = 2_000;

/**
 * Failures that say the payment side could not be reached (no replica, breaker open, connection refused, the
 * gateway down or answering 5xx) rather than what became of the charge. Asking again later is always safe:
 * payment_process is idempotent per order id.
 */
const PAYMENT_UNREACHABLE: ReadonlySet<string> = new Set([
  'DEPENDENCY_UNAVAILABLE',
  'CIRCUIT_OPEN',
  'CONNECTION_FAILED',
  'REMOTE_ERROR',
]);

/**
 * What the caller of an order handed back to recovery hears: it stands and will finish, so the gateway answers
 * 202 pending and the cart keeps its checkout locked on it. The cause's own code must not reach them: no
 * provider or an open breaker (of inventory at the commit, of payment at recovery) reads there as "the order
 * was never taken", and a cart would then let the same goods be ordered again.
 */
function stillProcessing(order: OrderRecord, cause: MeshError): MeshError {
  return new MeshError(
    'TIMEOUT',
    `order ${order.orderId} is still being processed (${cause.message}); ask again later`,
    {
      cause,
      data: { order_id: order.orderId, state: order.state, reason: cause.code },
    },
  );
}

/** One run of the forward path: what every step needs, and what this run has done so far. */
interface SagaRun {
  id: string;
  deadline: number;
  call: CallContext;
  logger: Logger;
  /** Picked up again (recovery, or a duplicate taking over a dead run), not placed just now. */
  resumed: boolean;
  /**
   * payment_process answered `succeeded` in this run. The order is still stored `reserved` until its one
   * write after the commit, so this, not the stored state, says that money moved: from here on a transient
   * failure stalls the order for recovery and never compensates it.
   */
  paid: boolean;
}

/**
 * Canonical hash of what the client asked for, so an order_id reused with another body is refused. `currency`
 * stands in for a currency the client did not name (as in earlier versions, so their hashes still match).
 */
export function requestHash(input: OrderInput, currency: string): string {
  const canonical = JSON.stringify([
    input.user_id,
    input.items.map((item) => [item.sku, item.quantity]),
    input.total === undefined ? null : input.total.toFixed(2),
    (input.currency ?? currency).toLowerCase(),
    input.payment_method ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The answer for a decided order (also what every replay returns). */
export function toResult(order: OrderRecord, replayed: boolean): OrderResult {
  const status = publicStatus(order.state);
  if (status === 'completed') {
    return { status, order_id: order.orderId, payment_id: order.paymentId, state: order.state, replayed };
  }
  return {
    status: 'failed',
    order_id: order.orderId,
    error: order.error ?? { code: 'INTERNAL', message: 'order failed' },
    state: order.state,
    replayed,
  };
}

export function toView(order: OrderRecord): OrderView {
  return {
    order_id: order.orderId,
    user_id: order.userId,
    status: publicStatus(order.state),
    state: order.state,
    items: order.items,
    total: order.total,
    currency: order.currency,
    payment_id: order.paymentId,
    reservation_id: order.reservationId,
    error: order.error,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The order saga: drives an order through the persisted state machine, one durable step at a time, and
 * compensates (refund, release) on any failure after a side effect. Each process has one saga, identified by
 * `owner` in order leases.
 */
export class OrderSaga {
  readonly leases: LeaseKeeper;
  private readonly settings: SagaSettings;
  private readonly logger: Logger;
  private readonly inflight = new Map<string, Promise<OrderResult>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly compensator: Compensator;
  private readonly announcements: Announcements;
  private readonly intake: OrderIntake;

  constructor(
    private readonly store: OrderStore,
    private readonly ports: SagaPorts,
    private readonly owner: string,
    settings: Partial<SagaSettings> = {},
    logger?: Logger,
  ) {
    this.settings = { ...defaultSagaSettings, ...settings };
    this.logger = logger ?? silentLogger();
    this.leases = new LeaseKeeper(store, owner, this.settings.leaseMs, this.logger);
    this.announcements = new Announcements(store, this.logger);
    this.compensator = new Compensator(store, ports, owner, this.settings, this.logger, this.announcements);
    this.intake = new OrderIntake({
      store,
      ports,
      reservationTtlSeconds: this.settings.reservationTtlSeconds,
      logger: this.logger,
    });
  }

  /** Resolves once every background notification has finished and been marked (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.announcements.drain();
  }

  /**
   * Announces a decided order whose announcement is still owed (its process died after deciding, or every
   * channel failed): the event again, and for a completed order the confirmation email (no SMS: it has no
   * idempotency key). Consumers drop what they already handled.
   */
  async reannounce(order: OrderRecord, call: CallContext = {}): Promise<void> {
    const logger = this.loggerFor(order, call);
    if (order.state === 'completed') return this.notify(order, call, logger, { sms: false });
    if (order.state === 'failed' || order.state === 'compensated') {
      return this.compensator.announceNow(order, call);
    }
    await this.store.markAnnounced([order.orderId]);
  }

  private background(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Orders this process is driving right now. */
  get active(): number {
    return this.inflight.size;
  }

  /**
   * Processes a new order, or returns (waiting if need be) the outcome of an earlier one with the same id. The
   * amount charged is the catalogue's: an order whose price cannot stand (see `priceOrder`, UNKNOWN_SKU) is
   * refused before it is stored, and what was reserved for it is released, so nothing is held or charged.
   * A completed order costs two writes: stored `reserved` (with its price, user and reservation: see
   * `OrderIntake`), then `completed` with its payment once charged and committed.
   */
  async process(input: OrderInput, call: CallContext = {}): Promise<OrderResult> {
    const deadline = Date.now() + this.settings.processingTimeoutMs;
    const hash = requestHash(input, this.settings.currency);
    const step = () => this.step(deadline, call);
    const admission = await this.intake.admit(input, hash, call.trace?.traceId ?? null, step);
    let existing: OrderRecord;
    if (admission.kind === 'new') {
      const { created, order } = await this.createOrder(admission.order, this.owner, this.settings.leaseMs);
      if (created) return this.started(order, deadline, call);
      existing = order;
    } else {
      existing = admission.existing;
    }
    // Stored before: a replay, a concurrent duplicate, or an order_id reused for another order.
    await this.intake.releaseStray(admission.stray, existing, this.releaseOptions(call));
    if (existing.requestHash !== hash) {
      throw new MeshError('CONFLICT', `order_id ${input.order_id} was already used for a different order`, {
        data: { order_id: input.order_id, field: 'order_id' },
      });
    }
    return this.awaitOutcome(existing.orderId, deadline, call);
  }

  /** A freshly stored order: forward from `reserved`, compensated when it failed holding stock, or failed. */
  private started(order: OrderRecord, deadline: number, call: CallContext): Promise<OrderResult> {
    this.announceCreated(order, call);
    const logger = this.loggerFor(order, call);
    if (order.state === 'failed') {
      logger.info({ state: order.state, code: order.error?.code, err: order.error?.message }, 'order failed');
      this.compensator.announce(order, call);
      return Promise.resolve(toResult(order, false));
    }
    if (order.state === 'compensating') {
      logger.info({ state: order.state, code: order.error?.code, err: order.error?.message }, 'order failed');
      return this.track(order, async () =>
        toResult(await this.compensator.run(order, order.error!, call), false),
      );
    }
    return this.track(order, () => this.forward(order, deadline, call, false));
  }

  /** Budget of a release outside the forward path's steps (a replay's stray reservation). */
  private releaseOptions(call: CallContext): StepOptions {
    return { timeoutMs: this.settings.stepTimeoutMs, trace: call.trace };
  }

  /** `orders.created` on the event bus (the seed's order-creator), fire-and-forget: no fallback, no wait. */
  private announceCreated(order: OrderRecord, call: CallContext): void {
    const options: StepOptions = { timeoutMs: this.settings.notifyTimeoutMs, trace: call.trace };
    void this.ports.publishEvent(orderEvent(order, 'orders.created'), options).catch(() => false);
  }

  /**
   * Records the order. A store that provably did not write it says so (`order_recorded: false`): nothing
   * happened and nothing will, so the caller may answer "unavailable, retry" rather than "pending". A write
   * whose reply was lost may have committed (recovery then finishes the order), so it claims nothing.
   */
  private async createOrder(...args: Parameters<OrderStore['create']>): ReturnType<OrderStore['create']> {
    try {
      return await this.store.create(...args);
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (error.code !== 'STORAGE_ERROR') throw error;
      const recorded = writeNeverApplied(error) ? { order_recorded: false } : {};
      throw new MeshError('STORAGE_ERROR', error.message, {
        cause: error,
        data: { ...error.data, order_id: args[0].orderId, ...recorded },
      });
    }
  }

  /** The stored order, for get_order. */
  async view(orderId: string): Promise<OrderView> {
    const order = await this.store.get(orderId);
    if (!order)
      throw new MeshError('NOT_FOUND', `order ${orderId} not found`, { data: { order_id: orderId } });
    return toView(order);
  }

  /**
   * Finishes an order a crashed (or stalled) run left behind; the caller has claimed it.
   *
   * `reserved` goes forward: the order was accepted (its client may hold a 202 pending) and the charge may
   * have happened, since nothing is written between the charge and the commit. payment_process is asked
   * again with the same order id and amount: it answers the first outcome, or charges now if the first call
   * never reached the payment agent, and never charges twice (idempotent per order id at the payment agent
   * and at the gateway). Then the commit and the one write to `completed`. A decline compensates; a
   * reservation that expired meanwhile refunds (RESERVATION_EXPIRED); a payment side that cannot be reached
   * hands the order back for a later pass until its reservation's TTL has passed, then compensates it
   * (`stopped`). `charged`/`committed` (stored by earlier versions) go forward from the commit.
   *
   * Earlier states (`received`, `user_validated`, stored by earlier versions, before the charge) are
   * compensated, as is `compensating`: a reservation may exist even for a `received` order (the crash may
   * have come before its write), and only a refund/void settles a payment in an unknown state.
   */
  resume(order: OrderRecord, call: CallContext = {}): Promise<OrderResult> {
    const existing = this.inflight.get(order.orderId);
    if (existing) return existing;
    return this.track(order, async () => {
      const logger = this.loggerFor(order, call);
      logger.info({ state: order.state, attempts: order.attempts }, 'resuming interrupted order');
      switch (order.state) {
        case 'received':
        case 'user_validated':
        case 'compensating':
          return toResult(
            await this.compensator.run(
              order,
              order.error ?? {
                code: 'INTERRUPTED',
                message: 'order processing was interrupted; compensated',
              },
              call,
            ),
            true,
          );
        case 'reserved':
        case 'charged':
        case 'committed':
          return {
            ...(await this.forward(order, Date.now() + this.settings.processingTimeoutMs, call, true)),
          };
        default:
          return toResult(order, true);
      }
    });
  }

  private track(order: OrderRecord, run: () => Promise<OrderResult>): Promise<OrderResult> {
    this.leases.track(order.orderId);
    const promise = run().finally(() => {
      this.leases.untrack(order.orderId);
      this.inflight.delete(order.orderId);
    });
    this.inflight.set(order.orderId, promise);
    return promise;
  }

  /** A duplicate request: wait for the first one's outcome, or take the order over if its run died. */
  private async awaitOutcome(orderId: string, deadline: number, call: CallContext): Promise<OrderResult> {
    let pollMs = 20;
    for (;;) {
      const local = this.inflight.get(orderId);
      if (local) return { ...(await local), replayed: true };
      const order = await this.store.get(orderId);
      if (!order) throw new MeshError('STORAGE_ERROR', `order ${orderId} vanished`);
      if (isDecided(order.state)) return toResult(order, true);
      const claimed = await this.store.claim(orderId, this.owner, this.settings.leaseMs);
      if (claimed) return { ...(await this.resume(claimed, call)), replayed: true };
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new MeshError('TIMEOUT', `order ${orderId} is still being processed; ask again later`, {
          data: { order_id: orderId, state: order.state },
        });
      }
      await sleep(Math.min(pollMs, left));
      pollMs = Math.min(pollMs * 2, this.settings.duplicatePollMs);
    }
  }

  private loggerFor(order: OrderRecord, call: CallContext): Logger {
    return (call.logger ?? this.logger).child({ order_id: order.orderId });
  }

  private step(deadline: number, call: CallContext, capMs = this.settings.stepTimeoutMs): StepOptions {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new MeshError('TIMEOUT', `order processing exceeded ${this.settings.processingTimeoutMs} ms`);
    }
    return { timeoutMs: Math.min(capMs, left), trace: call.trace };
  }

  /** The forward path from wherever the order stands; any failure fails or compensates it. */
  private async forward(
    start: OrderRecord,
    deadline: number,
    call: CallContext,
    replayed: boolean,
  ): Promise<OrderResult> {
    const run: SagaRun = {
      id: start.orderId,
      deadline,
      call,
      logger: this.loggerFor(start, call),
      resumed: replayed,
      paid: false,
    };
    let order = start;
    try {
      while (!isDecided(order.state)) order = await this.advance(order, run);
      return toResult(order, replayed);
    } catch (raw: unknown) {
      return this.stopped(order, run, toMeshError(raw), replayed);
    }
  }

  /**
   * One step of the forward path: the work of the order's state, ending in the next state's write. Orders are
   * stored `reserved` (OrderIntake); `charged` and `committed` only come from earlier versions and go on from
   * the commit; `received` and `user_validated` too, and recovery compensates those rather than going forward.
   */
  private advance(order: OrderRecord, run: SagaRun): Promise<OrderRecord> {
    switch (order.state) {
      case 'reserved':
        return this.payAndComplete(order, run);
      case 'charged':
      case 'committed':
        return this.complete(order, run);
      default:
        throw new MeshError('INTERNAL', `order ${run.id} is in unexpected state ${order.state}`);
    }
  }

  /**
   * reserved -> completed: the charge, the commit, then one write with the payment. Nothing is written
   * between the charge and that write: an order found `reserved` later is charged again by recovery, which
   * answers the first outcome (see `resume`). A declined charge is compensated (the reservation released).
   */
  private async payAndComplete(order: OrderRecord, run: SagaRun): Promise<OrderRecord> {
    const { id, deadline, call } = run;
    // Only orders stored by earlier versions can be free: new ones cost the catalogue's price (> 0).
    if (order.total === 0) return this.complete(order, run, { paymentStatus: 'none' });
    const charge = await this.ports.charge(
      {
        order_id: id,
        user_id: order.userId,
        amount: order.total,
        currency: order.currency,
        payment_method: order.paymentMethod ?? undefined,
        first_attempt: !run.resumed,
      },
      this.step(deadline, call, this.settings.processingTimeoutMs),
    );
    if (charge.status !== 'succeeded') {
      const reason = charge.decline_code ? ` (${charge.decline_code})` : '';
      return this.compensator.run(
        order,
        { code: 'PAYMENT_DECLINED', message: `payment declined${reason}` },
        call,
        'declined',
      );
    }
    run.paid = true;
    return this.complete(order, run, { paymentId: charge.payment_id, paymentStatus: 'succeeded' });
  }

  /**
   * The reservation committed (idempotent), then the order `completed` (with `payment`, what the charge of
   * this run answered), then the confirmation in the background.
   */
  private async complete(order: OrderRecord, run: SagaRun, payment: OrderPatch = {}): Promise<OrderRecord> {
    const { id, deadline, call, logger } = run;
    if (order.state === 'reserved' || order.state === 'charged') {
      if (!order.reservationId)
        throw new MeshError('INTERNAL', `order ${id} was charged without a reservation`);
      const reservationId = order.reservationId;
      await this.ports.commit(reservationId, this.step(deadline, call)).catch((e: unknown) => {
        throw isMeshError(e, 'CONFLICT')
          ? business('RESERVATION_EXPIRED', `reservation ${reservationId} expired before commit`)
          : e;
      });
    }
    // Committing is idempotent, so the commit and this write need nothing between them: a crash in between
    // re-commits.
    const completed = await this.store.transition(id, this.owner, 'completed', payment, order);
    // One info line per order outcome (failures log theirs below): operators see orders flow.
    logger.info(
      { payment_id: completed.paymentId, total: completed.total, currency: completed.currency },
      'order completed',
    );
    // Confirmation and analytics are non-critical: they run after the answer, bounded in time.
    this.background(this.notify(completed, call, logger));
    return completed;
  }

  /**
   * A step failed at `order`'s state: a lost lease waits for the new holder's outcome; once money moved (this
   * run's charge succeeded, or the order was stored `charged` by an earlier version) it stalls for recovery
   * (forward, never back); a resumed order whose payment side cannot be reached is handed back to recovery
   * while its reservation may still hold; anything else is compensated.
   */
  private async stopped(
    order: OrderRecord,
    run: SagaRun,
    error: MeshError,
    replayed: boolean,
  ): Promise<OrderResult> {
    const { id, call, logger } = run;
    if (error.code === 'LEASE_LOST') {
      logger.warn('lost the order lease to another process; waiting for its outcome');
      this.leases.untrack(id);
      return this.awaitOutcome(id, Date.now() + this.settings.processingTimeoutMs, call);
    }
    if (error.code === 'STORAGE_ERROR') throw error;
    const business = error.data?.['business'] === true;
    const moneyMoved = run.paid || order.state === 'charged' || order.state === 'committed';
    if (moneyMoved && !business) {
      // Charging again answers the first outcome and committing is idempotent, so recovery retries both
      // shortly; only an expired reservation (a business failure) turns a charged order into a refund.
      logger.warn({ state: order.state, code: error.code, err: error.message }, 'order stalled after charge');
      return this.handBack(id, 0, stillProcessing(order, error));
    }
    if (run.resumed && order.state === 'reserved' && PAYMENT_UNREACHABLE.has(error.code)) {
      if (!this.reservationLapsed(order)) {
        logger.warn(
          { code: error.code, err: error.message, retry_ms: RETRY_PAYMENT_MS },
          'payment unreachable while recovering the order; trying again later',
        );
        return this.handBack(id, RETRY_PAYMENT_MS, stillProcessing(order, error));
      }
      // Its stock is returned (or about to be) by the inventory's sweeper: a charge now would only be refunded.
      logger.warn(
        { code: error.code, err: error.message },
        'payment still unreachable once the reservation lapsed; compensating the order',
      );
    }
    const failure: OrderError = { code: error.code, message: error.message };
    logger.info({ state: order.state, code: error.code, err: error.message }, 'order failed');
    return toResult(await this.compensator.run(order, failure, call), replayed);
  }

  /** Gives the order back to recovery (claimable again after `retryAfterMs`) and fails this run with `error`. */
  private async handBack(id: string, retryAfterMs: number, error: MeshError): Promise<never> {
    this.leases.untrack(id);
    await this.store.release(id, this.owner, retryAfterMs).catch(() => undefined);
    throw error;
  }

  /**
   * Whether the order's reservation has most likely lapsed: it was made with `RESERVATION_TTL` just before the
   * order was stored (only a replay of the order_id extends it), so it expires about that long after the
   * order's creation, and the inventory's sweeper returns its stock within `RESERVATION_SWEEP_INTERVAL`. The
   * database's clock stamped the creation; a skew with this process's clock moves the point by as much, which
   * only decides when an unreachable payment side stops being waited for, never what money does.
   */
  private reservationLapsed(order: OrderRecord): boolean {
    return Date.now() - order.createdAt.getTime() >= this.settings.reservationTtlSeconds * 1000;
  }

  /**
   * The `orders.completed` event, then the confirmation email (and SMS), bounded, never failing the order.
   * An event the broker confirmed carries the email to the notification agent, which sends it; otherwise
   * (no bus, or the publish failed) the email goes by a direct call. Both ways carry the same idempotency key,
   * so the user gets one email either way.
   */
  private async notify(
    order: OrderRecord,
    call: CallContext,
    logger: Logger,
    { sms = true }: { sms?: boolean } = {},
  ): Promise<void> {
    const options: StepOptions = { timeoutMs: this.settings.notifyTimeoutMs, trace: call.trace };
    const route = await this.compensator.event(order, 'orders.completed', options).catch((error: unknown) => {
      logger.warn({ err: toMeshError(error).message }, 'order event not recorded (order still completes)');
      return 'failed' as const;
    });
    const email =
      order.userEmail && route !== 'bus'
        ? this.ports.sendEmail({ ...confirmationEmail(order), order_id: order.orderId }, options)
        : Promise.resolve();
    const text =
      sms && this.settings.sendSms && order.userPhone
        ? this.ports.sendSms({ to: order.userPhone, body: `Order ${order.orderId} confirmed.` }, options)
        : Promise.resolve();
    const [emailed, texted] = await Promise.allSettled([email, text]);
    for (const result of [emailed, texted]) {
      if (result.status === 'rejected') {
        logger.warn(
          { err: toMeshError(result.reason).message },
          'order notification failed (order still completes)',
        );
      }
    }
    // Owed until the event and the email went out; recovery tries again later otherwise.
    if (route !== 'failed' && emailed.status === 'fulfilled') this.announcements.done(order.orderId);
  }
}
