import type { MeshError } from '@mesh/common';

/** What the gateway can honestly say about an order whose processing call failed. */
export type KnownOutcome =
  /** The order was never taken: the error stands (the client may retry with the same order_id). */
  | { kind: 'not_taken' }
  /** It may still finish: answer 202 and let GET /orders/:id tell the outcome. */
  | { kind: 'pending' }
  /** It already ended; answer with that ending, not with the error. */
  | { kind: 'decided'; view: Record<string, unknown> };

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
  lookup: () => Promise<Record<string, unknown>>,
): Promise<KnownOutcome> {
  let view: Record<string, unknown>;
  try {
    view = await lookup();
  } catch {
    // Not found while the call may still be on its way, or no answer at all: the outcome is not known.
    return neverTaken(error) ? { kind: 'not_taken' } : { kind: 'pending' };
  }
  const status = view['status'];
  if (status === 'completed' || status === 'failed') return { kind: 'decided', view };
  return { kind: 'pending' };
}
