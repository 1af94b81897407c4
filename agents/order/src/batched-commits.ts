import { MeshError, OutboundBatcher } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import { MAX_COMMITS_PER_CALL, type ContractOutput, type inventoryCommitReservations } from '@mesh/contracts';
import type { SagaProxies, StepOptions, ProxyOf } from './saga-ports.js';

/** How the order agent coalesces reservation commits (config.ts maps env to these). */
export interface CommitBatchSettings {
  /** Most reservations per `inventory_commit_reservations` call (one database transaction). */
  maxBatch: number;
  /** Calls under way at once; commits arriving meanwhile wait for one to return and go together. */
  maxInFlight: number;
  /** Commits waiting beyond this are refused with OVERLOADED (the inventory agent is far behind). */
  maxQueued?: number;
  /** While busy, a free call slot waits until the oldest commit is this old, so more share the call. */
  lingerMs?: number;
}

export const defaultCommitBatchSettings: Readonly<CommitBatchSettings> = Object.freeze({
  maxBatch: 50,
  maxInFlight: 1,
  maxQueued: 10_000,
});

/** The proxies commits use: the batch tool, and the single tool for providers that lack it. */
export type CommitProxies = Pick<SagaProxies, 'commit'> & {
  commitBatch: ProxyOf<typeof inventoryCommitReservations>;
};

interface Pending {
  reservationId: string;
  trace: TraceContext | undefined;
  timeoutMs: number;
}

type CommitResult = ContractOutput<typeof inventoryCommitReservations>['results'][number];
type Outcome = { ok: true } | { ok: false; error: unknown };

/**
 * Reservation commits of concurrent orders in one `inventory_commit_reservations` call: one mTLS hop and one
 * database transaction for all of them instead of one each. A commit goes out at once when no call is under
 * way and traffic is quiet (no added delay at low load); while busy, a free slot lingers up to `lingerMs` for
 * the commits close behind; those arriving while a call is under way go together when it returns. Each order
 * still gets its own outcome: an expired reservation fails only its own order (CONFLICT, as from the single
 * tool), and a failed call fails each of its orders with that call's error, so the saga's retry and recovery
 * apply.
 */
export class BatchedCommits {
  private readonly batcher: OutboundBatcher<Pending, Outcome>;

  constructor(
    private readonly deps: CommitProxies,
    settings: CommitBatchSettings = defaultCommitBatchSettings,
  ) {
    this.batcher = new OutboundBatcher({
      name: 'reservation commits',
      maxBatch: Math.min(settings.maxBatch, MAX_COMMITS_PER_CALL),
      maxInFlight: settings.maxInFlight,
      lingerMs: settings.lingerMs ?? 0,
      maxQueued: settings.maxQueued ?? defaultCommitBatchSettings.maxQueued ?? 10_000,
      send: (items) => this.send(items),
    });
  }

  /**
   * Commits one reservation, settling with its own outcome. The order's own step timeout and signal bound
   * its wait, whatever the batch it rides in does.
   */
  async commit(reservationId: string, options: StepOptions): Promise<void> {
    const outcome = await waitBounded(
      this.batcher.add({ reservationId, trace: options.trace, timeoutMs: options.timeoutMs }),
      reservationId,
      options,
    );
    if (!outcome.ok) throw outcome.error;
  }

  /** Sends whatever waits and resolves once every call has settled. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async send(items: Pending[]): Promise<Outcome[]> {
    const first = items[0];
    // The longest wait any of them allows: a shorter one gives up on its own (waitBounded), not the batch.
    const timeoutMs = Math.max(1, ...items.map((item) => item.timeoutMs));
    const options = { timeoutMs, ...(first?.trace ? { trace: first.trace } : {}) };
    if (!this.deps.commitBatch.available) {
      // An inventory agent without the batch tool (an older version during a rollout): one call each.
      const settled = await Promise.allSettled(
        items.map((item) =>
          this.deps.commit.call(
            { reservation_id: item.reservationId },
            { timeoutMs: item.timeoutMs, ...(item.trace ? { trace: item.trace } : {}) },
          ),
        ),
      );
      return settled.map((result) =>
        result.status === 'fulfilled' ? { ok: true } : { ok: false, error: result.reason },
      );
    }
    const reply = await this.deps.commitBatch.call(
      { reservation_ids: items.map((item) => item.reservationId) },
      options,
    );
    return items.map((item, index) => outcomeOf(item.reservationId, reply.results[index]));
  }
}

/** One id's answer as the single tool would have given it: nothing, or a MeshError with its code. */
function outcomeOf(reservationId: string, result: CommitResult | undefined): Outcome {
  if (result === undefined || result.reservation_id !== reservationId) {
    return {
      ok: false,
      error: new MeshError('REMOTE_ERROR', `no commit result for reservation ${reservationId}`),
    };
  }
  if (result.error === undefined) return { ok: true };
  return {
    ok: false,
    error: new MeshError(result.error.code, result.error.message, {
      data: { reservation_id: reservationId, ...(result.status ? { status: result.status } : {}) },
    }),
  };
}

/** The batch's answer for one order, or TIMEOUT (or the signal's reason) when the order's own bound comes first. */
function waitBounded(
  outcome: Promise<Outcome>,
  reservationId: string,
  options: StepOptions,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        cleanup();
        reject(
          new MeshError(
            'TIMEOUT',
            `commit of reservation ${reservationId} timed out after ${options.timeoutMs} ms`,
          ),
        );
      },
      Math.max(1, options.timeoutMs),
    );
    const onAbort = () => {
      cleanup();
      // As a direct call would: the signal's reason (the saga's deadline or shutdown error).
      reject(options.signal?.reason ?? new MeshError('TIMEOUT', `commit of ${reservationId} was cancelled`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    outcome.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
