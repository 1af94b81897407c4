import { toMeshError } from '@mesh/common';
import type { MeshError } from '@mesh/common';
import type { ContractOutput, orderGet, orderProcessing } from '@mesh/contracts';

/** An order as `order_get` answers it. */
export type OrderView = ContractOutput<typeof orderGet>;
/** The outcome `order_processing` answers. */
export type OrderResult = ContractOutput<typeof orderProcessing>;

/** What the gateway can honestly say about an order whose processing call failed. */
export type KnownOutcome =
  /** The order was never taken: the error stands (the client may retry with the same order_id). */
  | { kind: 'not_taken' }
  /** It may still finish: answer 202 and let GET /orders/:id tell the outcome. */
  | { kind: 'pending' }
  /** It already ended; answer with that ending, not with the error. */
  | { kind: 'decided'; view: OrderView };

/**
 * Whether the failed call can have recorded the order: a refused connection, an open breaker or no provider
 * means the request never reached an order agent, and the order agent says `order_recorded: false` when it
 * could not write the order at all (its database was down). Anything else (a timeout, a reset mid-call, a
 * failure after the order was written) leaves the order possibly recorded and finishing.
 */
export function neverTaken(error: MeshError): boolean {
  return (
    error.code === 'CIRCUIT_OPEN' ||
    error.code === 'DEPENDENCY_UNAVAILABLE' ||
    error.data?.['notProcessed'] === true ||
    error.data?.['order_recorded'] === false
  );
}

/**
 * Settles what to answer after `order_processing` failed with a server-side error, by looking the order up:
 * decided orders answer with their outcome, undecided ones are pending, unknown ones are pending unless the
 * error proves the order was never taken. A lookup that fails counts as unknown.
 */
export async function orderOutcomeUnknown(
  error: MeshError,
  lookup: () => Promise<OrderView>,
): Promise<KnownOutcome> {
  let view: OrderView;
  try {
    view = await lookup();
  } catch {
    // Not found while the call may still be on its way, or no answer at all: the outcome is not known.
    return neverTaken(error) ? { kind: 'not_taken' } : { kind: 'pending' };
  }
  if (view.status === 'completed' || view.status === 'failed') return { kind: 'decided', view };
  return { kind: 'pending' };
}

/** What `settleOrder` may need besides the lookup. */
export interface SettleOptions {
  lookup: () => Promise<OrderView>;
  /** Sends the same order again (order_processing is replay-safe by order_id). */
  resend: () => Promise<OrderResult>;
  /** A failure the client must hear as it is (a refusal: 4xx), not one to settle. */
  isClientError: (error: MeshError) => boolean;
  /** Epoch ms after which no more attempts are made. */
  deadline: number;
  /** Pause between attempts while no order agent answers. */
  pauseMs?: number;
}

/** The order's answer after all, from a resend that went through; `not_taken` says which error stands. */
export type SettledOutcome =
  | Exclude<KnownOutcome, { kind: 'not_taken' }>
  | { kind: 'not_taken'; error: MeshError }
  | { kind: 'result'; result: OrderResult };

/** The connection dropped under the call: the order agent may have died before (or after) storing the order. */
function connectionLost(error: MeshError): boolean {
  return error.code === 'CONNECTION_FAILED' && error.data?.['notProcessed'] !== true;
}

/**
 * Like `orderOutcomeUnknown`, but an order that is nowhere after its order agent dropped the connection
 * (killed before it stored the order) is sent again until an order agent takes it or the deadline passes.
 * A 202 then means an order that exists and will finish, never one that was lost with the agent; resends
 * are safe because the order agent answers a known order_id with that order's outcome.
 */
export async function settleOrder(error: MeshError, options: SettleOptions): Promise<SettledOutcome> {
  if (!connectionLost(error)) {
    const known = await orderOutcomeUnknown(error, options.lookup);
    return known.kind === 'not_taken' ? { kind: 'not_taken', error } : known;
  }
  let last = error;
  let seenMissing = false;
  for (;;) {
    let view: OrderView | undefined;
    let missing = false;
    try {
      view = await options.lookup();
    } catch (lookupError: unknown) {
      missing = (lookupError as { code?: unknown }).code === 'NOT_FOUND';
    }
    if (view !== undefined) {
      return view.status === 'completed' || view.status === 'failed'
        ? { kind: 'decided', view }
        : { kind: 'pending' };
    }
    seenMissing ||= missing;
    if (Date.now() >= options.deadline) {
      // Nowhere, and no order agent took the resends: never taken, the client may send it again.
      return seenMissing && neverTaken(last) ? { kind: 'not_taken', error: last } : { kind: 'pending' };
    }
    if (missing) {
      try {
        return { kind: 'result', result: await options.resend() };
      } catch (resendError: unknown) {
        last = toMeshError(resendError);
        if (options.isClientError(last)) throw last;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 250));
  }
}

/** A decided order's view as the outcome `order_processing` would have answered, marked as a replay. */
export function resultOfDecided(view: OrderView): OrderResult {
  const completed = view.status === 'completed';
  return {
    status: completed ? 'completed' : 'failed',
    order_id: view.order_id,
    payment_id: view.payment_id,
    ...(completed ? {} : { error: view.error ?? { code: 'ORDER_FAILED', message: 'order failed' } }),
    state: view.state,
    replayed: true,
  };
}
