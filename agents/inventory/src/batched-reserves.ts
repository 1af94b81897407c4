import { isMeshError, MeshError, OutboundBatcher } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import { DB_MAX_RESERVES, dataStorage } from '@mesh/contracts';
import type { StorageArgs, StorageResult } from '@mesh/contracts';
import { STORAGE_CALL_TIMEOUT_MS, type StorageCaller } from './inventory-service.js';

/** One order's reservation as the database agent's `stock.reserve` takes it. */
export type ReserveRequest = Omit<StorageArgs<'stock.reserve'>, 'op'>;
export type Reserved = StorageResult<'stock.reserve'>;
/** How a reservation reaches the database agent: a call of its own, or a share of a batch. */
export type ReserveCall = (request: ReserveRequest) => Promise<Reserved>;

/** How the inventory agent coalesces reserves (config.ts maps env to these). */
export interface ReserveBatchSettings {
  /** Most orders per `stock.reserve_many` call (one database transaction). */
  maxBatch: number;
  /** Calls under way at once (1 unless said); reserves arriving while all are taken wait for one to return. */
  maxInFlight?: number;
  /** While busy, a free call slot waits until the oldest reserve is this old, so more share the call. */
  lingerMs: number;
  /** Reserves waiting beyond this are refused with OVERLOADED (the database agent is far behind). */
  maxQueued?: number;
}

/** What a reserve call inherits from the tool call it serves. */
export interface ReserveCaller {
  trace: TraceContext;
  /** Epoch ms after which the caller has given up. */
  deadline: number;
}

/** After a provider refused the batch operation (an older database agent), single calls for this long. */
const SINGLES_FOR_MS = 60_000;

interface Pending {
  request: ReserveRequest;
  caller: ReserveCaller;
}

type Outcome = { ok: true; reserved: Reserved } | { ok: false; error: unknown };

/** One order's reservation in a call of its own, keyed by its order id so transport retries are safe. */
export function singleReserve(storage: StorageCaller): ReserveCall {
  return (request) =>
    dataStorage.run(
      storage,
      { op: 'stock.reserve', ...request },
      { idempotencyKey: `reserve:${request.order_id}${request.renew === true ? ':renew' : ''}` },
    );
}

/**
 * The reserves of concurrent orders in one `stock.reserve_many` call: one hop to the database agent and one
 * database transaction for all of them instead of one each. A reserve goes out at once when a call slot is
 * free and traffic is quiet; while busy, a free slot lingers up to `lingerMs` for the reserves close behind,
 * and those arriving while every slot is taken go together when one returns. Each order still gets its own
 * answer: one short of stock fails alone (OUT_OF_STOCK, as from the single operation), and a failed call
 * fails each of its orders with that call's error. A database agent without the batch operation (an older
 * version during a rollout) gets single calls.
 */
export class BatchedReserves {
  private readonly batcher: OutboundBatcher<Pending, Outcome>;
  private readonly single: ReserveCall;
  private singlesUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly storage: StorageCaller,
    settings: ReserveBatchSettings,
  ) {
    this.single = singleReserve(storage);
    this.batcher = new OutboundBatcher({
      name: 'reserves',
      maxBatch: Math.min(settings.maxBatch, DB_MAX_RESERVES),
      maxInFlight: settings.maxInFlight ?? 1,
      lingerMs: settings.lingerMs,
      maxQueued: settings.maxQueued ?? 10_000,
      send: (items) => this.send(items),
    });
  }

  /** The reserve function for one tool call: its trace and deadline ride with the order into the batch. */
  for(caller: ReserveCaller): ReserveCall {
    return async (request) => {
      const outcome = await this.batcher.add({ request, caller });
      if (!outcome.ok) throw outcome.error;
      return outcome.reserved;
    };
  }

  /** Sends whatever waits and resolves once every call has settled. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async send(items: Pending[]): Promise<Outcome[]> {
    if (Date.now() < this.singlesUntil) return this.sendSingly(items);
    // The longest any of them still waits, within the storage dependency's timeout; a caller past its deadline
    // has gone, and its order's reserve is answered to no one (replays of the order find it).
    const timeoutMs = Math.min(
      STORAGE_CALL_TIMEOUT_MS,
      Math.max(1, ...items.map((item) => item.caller.deadline - Date.now())),
    );
    let reply: StorageResult<'stock.reserve_many'>;
    try {
      reply = await dataStorage.run(
        this.storage,
        { op: 'stock.reserve_many', reservations: items.map((item) => item.request) },
        { timeoutMs, trace: items[0]!.caller.trace },
      );
    } catch (error: unknown) {
      if (!refusedTheOperation(error)) throw error;
      this.singlesUntil = Date.now() + SINGLES_FOR_MS;
      return this.sendSingly(items);
    }
    return items.map((item, index) => outcomeOf(item.request.order_id, reply.results[index]));
  }

  private async sendSingly(items: Pending[]): Promise<Outcome[]> {
    const settled = await Promise.allSettled(items.map((item) => this.single(item.request)));
    return settled.map((result) =>
      result.status === 'fulfilled'
        ? { ok: true, reserved: result.value }
        : { ok: false, error: result.reason },
    );
  }
}

/**
 * An older database agent's answer to an operation it does not know: the tool's input fails on `op`. The
 * runtime's client reports a provider's invalid-arguments answer as VALIDATION_FAILED with the provider's
 * zod issues under `details.issues`, each `path` an array of keys.
 */
function refusedTheOperation(error: unknown): boolean {
  if (!isMeshError(error, 'VALIDATION_FAILED')) return false;
  const details = error.data?.['details'] as { issues?: unknown } | undefined;
  const issues = details?.issues;
  return (
    Array.isArray(issues) &&
    issues.some((issue) => {
      const path = (issue as { path?: unknown }).path;
      return Array.isArray(path) && path.length === 1 && path[0] === 'op';
    })
  );
}

type BatchResult = StorageResult<'stock.reserve_many'>['results'][number];

/** One order's answer as the single operation would have given it: its reservation, or a MeshError. */
function outcomeOf(orderId: string, result: BatchResult | undefined): Outcome {
  if (result?.order_id !== orderId) {
    return { ok: false, error: new MeshError('REMOTE_ERROR', `no reservation result for order ${orderId}`) };
  }
  if (result.reservation !== undefined) return { ok: true, reserved: result.reservation };
  const error = result.error ?? { code: 'REMOTE_ERROR', message: `no reservation for order ${orderId}` };
  return {
    ok: false,
    error: new MeshError(error.code, error.message, error.data ? { data: error.data } : {}),
  };
}
