import { MeshError, isMeshError, toMeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import { business } from './business-failure.js';
import { isDecided } from './order-state.js';
import type { NewOrder, OrderRecord, OrderStore } from './order-store.js';
import { priceOrder, type PricedOrder } from './pricing.js';
import type { HeldReservation, SagaPorts, StepOptions, UserInfo } from './saga-ports.js';
import type { OrderError, OrderInput, OrderItem } from './schemas.js';

/**
 * What the intake decided about an order, before its first write:
 * - `new`: store it as `order` says (`reserved`, `compensating` or `failed`); a create that finds the order
 *   already stored must release `stray` unless the stored order holds it;
 * - `stored`: the order_id is already stored (a replay): answer that order's outcome.
 */
export type Admission =
  | { kind: 'new'; order: NewOrder; stray?: HeldReservation | undefined }
  | { kind: 'stored'; existing: OrderRecord; stray?: HeldReservation | undefined };

/** What the intake needs of the saga: its store and ports, the reservation TTL, and its step budgets. */
export interface IntakeDeps {
  store: OrderStore;
  ports: SagaPorts;
  reservationTtlSeconds: number;
  logger: Logger;
}

/** How the reservation call ended: a reservation, or an error and whether stock may be held anyway. */
type ReserveOutcome =
  | { held: HeldReservation }
  | {
      failed: MeshError;
      /** The call may have reserved (its answer was lost): whoever fails the order must release by order id. */
      mayHold: boolean;
    };

/** Quantities per SKU, so a reservation can be compared with an order whatever the order of its lines. */
function perSku(items: readonly OrderItem[]): string {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return JSON.stringify([...totals].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A reservation this order can go forward with: holding stock, for exactly its items. */
function usable(held: HeldReservation, items: readonly OrderItem[]): boolean {
  return held.status === 'reserved' && perSku(held.items) === perSku(items);
}

/** Refusals and failures before the order is stored: nothing happened, so the caller may safely retry. */
function notRecorded(error: unknown, orderId: string): MeshError {
  const failure = toMeshError(error);
  return new MeshError(failure.code, failure.message, {
    cause: failure,
    data: { ...failure.data, order_id: orderId, order_recorded: false },
  });
}

/**
 * From a request to its first write. The user lookup and the reservation run side by side (the reservation,
 * keyed by order id, is idempotent: a retry or a replay gets the order's reservation back, never a second
 * one); the order is priced from the reservation's answer (the catalogue's prices read with the stock), so a
 * completed order costs one reservation call and no quote call. A price refused (`priceOrder`, UNKNOWN_SKU)
 * releases the reservation and is thrown with `order_recorded: false`: nothing is stored, as before the fold.
 *
 * The order store is read only off the hot path: when the reservation is not one this order can use (a replay
 * of a decided order, whose reservation was committed or released; a retry after a refusal or past the TTL;
 * an order_id reused with other items) and when the price is refused (a stored order is answered, whatever
 * prices say today). Otherwise the create's conflict is what tells a replay that the order exists.
 *
 * Crash between the reservation and the create (kill -9): the reservation is held by nobody. A retry of the
 * same order_id within the TTL gets it back (`replayed`, its TTL extended) and stores the order with it, never
 * reserving twice; otherwise the inventory agent's sweeper expires it after the TTL the saga reserves with (the
 * order agent's `RESERVATION_TTL`, 120 s by default, then within `RESERVATION_SWEEP_INTERVAL`, 15 s) and returns
 * its stock, and a later retry holds the stock again (`renew`). A create that fails (STORAGE_ERROR) leaves the
 * reservation the same way: nobody may release it while the write's fate is unknown.
 *
 * Concurrent requests with one order_id share its one reservation; should one be refused (another body) while
 * the other is stored, the refusal releases the stored order's reservation, and its commit then fails
 * (RESERVATION_EXPIRED) and refunds: money stays right, that order fails.
 */
export class OrderIntake {
  constructor(private readonly deps: IntakeDeps) {}

  async admit(
    input: OrderInput,
    requestHash: string,
    traceId: string | null,
    step: () => StepOptions,
  ): Promise<Admission> {
    const { ports } = this.deps;
    // Side by side: the reservation does not depend on the user, and both are needed before the first write.
    const [user, reserved] = await Promise.all([
      settle(() => ports.getUser(input.user_id, step())),
      this.reserve(input, step),
    ]);
    let outcome = reserved;
    if ('held' in outcome && !usable(outcome.held, input.items)) {
      const existing = await this.deps.store.get(input.order_id);
      if (existing) return { kind: 'stored', existing };
      outcome = await this.renew(input, outcome.held, step);
    }
    const priced = await this.price(input, outcome, step);
    if ('existing' in priced) return priced;

    const base: NewOrder = {
      orderId: input.order_id,
      requestHash,
      userId: input.user_id,
      items: input.items,
      total: priced.total,
      currency: priced.currency,
      paymentMethod: input.payment_method ?? null,
      traceId,
    };
    const held = 'held' in outcome ? outcome.held : undefined;
    const failure = userFailure(input.user_id, user) ?? ('failed' in outcome ? outcome.failed : undefined);
    if (failure === undefined) {
      const profile = (user as PromiseFulfilledResult<UserInfo>).value;
      // Both succeeded and the order is not known to be stored: a reservation is held (`usable` above).
      return {
        kind: 'new',
        order: {
          ...base,
          state: 'reserved',
          userEmail: profile.email,
          userPhone: profile.phone,
          reservationId: held!.reservation_id,
          paymentStatus: 'pending',
        },
        stray: held,
      };
    }
    const error: OrderError = { code: failure.code, message: failure.message };
    // Stock held (or maybe held): fail by compensating, which releases it and survives a crash (recovery).
    if (held !== undefined || ('mayHold' in outcome && outcome.mayHold)) {
      return {
        kind: 'new',
        order: { ...base, state: 'compensating', error, reservationId: held?.reservation_id ?? null },
        stray: held,
      };
    }
    return { kind: 'new', order: { ...base, state: 'failed', error } };
  }

  /** Answers a stored order's reservation a replay left held: released unless the stored order holds it. */
  async releaseStray(
    stray: HeldReservation | undefined,
    existing: OrderRecord,
    step: StepOptions,
  ): Promise<void> {
    if (stray === undefined || stray.status !== 'reserved') return;
    if (existing.reservationId === stray.reservation_id) return;
    // An undecided order stored by an earlier version may not have recorded its reservation yet: it is its own
    // (one reservation per order id). A decided order that does not hold it never will.
    if (existing.reservationId === null && !isDecided(existing.state)) return;
    await this.release(stray.reservation_id, step);
  }

  private async reserve(input: OrderInput, step: () => StepOptions, renew = false): Promise<ReserveOutcome> {
    const { ports, reservationTtlSeconds } = this.deps;
    try {
      return {
        held: await ports.reserve(input.order_id, input.items, reservationTtlSeconds, step(), renew),
      };
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (isMeshError(error, 'OUT_OF_STOCK')) {
        const items = Array.isArray(error.data?.['items']) ? error.data['items'] : undefined;
        const failed = business('OUT_OF_STOCK', error.message, { sku: error.data?.['sku'], items });
        return { failed, mayHold: false };
      }
      // A refusal before the call was sent (breaker open, no provider) reserved nothing; a call whose answer
      // was lost may have. Should an earlier attempt have reserved after all, a retry gets it back.
      const unsent = isMeshError(error, 'CIRCUIT_OPEN') || isMeshError(error, 'DEPENDENCY_UNAVAILABLE');
      const refused = isMeshError(error, 'UNKNOWN_SKU');
      return { failed: error, mayHold: !unsent && !refused };
    }
  }

  /**
   * The order's reservation cannot carry it and the order is not stored: a live one for other items (an
   * earlier attempt with another body that never got stored) is released, then the stock is held again.
   */
  private async renew(
    input: OrderInput,
    held: HeldReservation,
    step: () => StepOptions,
  ): Promise<ReserveOutcome> {
    if (held.status === 'committed') {
      throw new MeshError('CONFLICT', `order_id ${input.order_id} already has a committed reservation`, {
        data: { order_id: input.order_id, field: 'order_id', order_recorded: false },
      });
    }
    if (held.status === 'reserved') await this.release(held.reservation_id, step());
    this.deps.logger.info(
      { order_id: input.order_id, reservation_id: held.reservation_id, status: held.status },
      'reserving again for an order that was never stored',
    );
    const renewed = await this.reserve(input, step, true);
    if ('held' in renewed && !usable(renewed.held, input.items)) {
      throw new MeshError('CONFLICT', `order ${input.order_id} is being placed concurrently; retry`, {
        data: { order_id: input.order_id, order_recorded: false },
      });
    }
    return renewed;
  }

  /**
   * The catalogue's price of the order: from the reservation's answer, else (nothing reserved, or an inventory
   * agent of an earlier version) from a quote. A refusal leaves nothing held and nothing stored, unless the
   * order_id is stored already: then that order is answered (a replay answers the first outcome even if prices
   * changed since).
   */
  private async price(
    input: OrderInput,
    outcome: ReserveOutcome,
    step: () => StepOptions,
  ): Promise<PricedOrder | { kind: 'stored'; existing: OrderRecord; stray?: HeldReservation }> {
    const held = 'held' in outcome ? outcome.held : undefined;
    try {
      if ('failed' in outcome && isMeshError(outcome.failed, 'UNKNOWN_SKU')) throw outcome.failed;
      return priceOrder(input, held?.quote ?? (await this.deps.ports.quote(input.items, step())));
    } catch (error: unknown) {
      let existing: OrderRecord | undefined;
      try {
        existing = await this.deps.store.get(input.order_id);
      } catch {
        // Whether it is stored is unknown: hold on to the stock (its TTL returns it) rather than release what
        // a stored order may own.
        throw notRecorded(error, input.order_id);
      }
      if (existing) return { kind: 'stored', existing, stray: held };
      if (held !== undefined) await this.release(held.reservation_id, step());
      throw notRecorded(error, input.order_id);
    }
  }

  /** Releases a reservation nobody will use; if that fails, its TTL returns the stock. */
  private async release(reservationId: string, options: StepOptions): Promise<void> {
    await this.deps.ports.release(reservationId, options).catch((error: unknown) => {
      this.deps.logger.warn(
        { reservation_id: reservationId, err: toMeshError(error).message },
        'reservation not released; it expires at its TTL',
      );
    });
  }
}

/** The outcome of `run`, never rejecting (also when `run` throws before its promise exists). */
async function settle<T>(run: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await run() };
  } catch (reason: unknown) {
    return { status: 'rejected', reason };
  }
}

/** Why the user lookup fails the order, if it does: an unknown user, or the lookup itself failing. */
function userFailure(userId: string, user: PromiseSettledResult<UserInfo>): MeshError | undefined {
  if (user.status === 'fulfilled') return undefined;
  const error = toMeshError(user.reason);
  return isMeshError(error, 'NOT_FOUND') ? business('USER_NOT_FOUND', `user ${userId} not found`) : error;
}
