import { httpStatusForCode } from '@mesh/common';
import type { MeshError } from '@mesh/common';
import { refusedOrderStatus } from './order-refusals.js';
import { shopRefusalStatus } from './shop-refusals.js';

/**
 * HTTP status of a failed order, so clients (and the load test's `status == 200` count) can tell outcomes
 * apart: a declined card is 402, a stock shortage or reused id 409, an unknown user 422, a saga timeout 504,
 * a dependency failure 503. Completed orders are 200.
 */
export function statusForFailedOrder(code: string): number {
  switch (code) {
    case 'PAYMENT_DECLINED':
      return 402;
    case 'OUT_OF_STOCK':
    case 'RESERVATION_EXPIRED':
    case 'CONFLICT':
      return 409;
    // An unknown user, or a charge the payment gateway refused as a client error (amount too small, unknown
    // payment method).
    case 'USER_NOT_FOUND':
    case 'PAYMENT_REJECTED':
      return 422;
    case 'TIMEOUT':
      return 504;
    default:
      return 503;
  }
}

/** Codes only the HTTP edge raises, with the status each one means. */
const EDGE_STATUS: Readonly<Record<string, number>> = {
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OVERLOADED: 503,
  // No token keys fetched from auth yet: the gateway cannot tell a good token from a bad one, so not 401.
  AUTH_UNAVAILABLE: 503,
};

/**
 * HTTP status of an error raised while serving a request. Storage trouble is never the client's fault, and an
 * upstream agent that failed unexpectedly (its database down, most often) is a service unavailable for now,
 * not a fault of the gateway: both are 503, which the client may retry after Retry-After.
 */
export function statusForError(error: MeshError): number {
  const refused = refusedOrderStatus(error.code) ?? shopRefusalStatus(error.code);
  if (refused !== undefined) return refused;
  const edge = EDGE_STATUS[error.code];
  if (edge !== undefined) return edge;
  if (error.code === 'STORAGE_ERROR' || error.code === 'LEASE_LOST') return 503;
  if (error.code === 'INTERNAL' && error.data?.['remote'] === true) return 503;
  return httpStatusForCode(error.code);
}
