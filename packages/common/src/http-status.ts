import type { MeshErrorCode } from './mesh-error.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  DEPENDENCY_UNAVAILABLE: 503,
  CIRCUIT_OPEN: 503,
  SHUTTING_DOWN: 503,
  TIMEOUT: 504,
  REMOTE_ERROR: 502,
  CONNECTION_FAILED: 502,
  // A provider answered with something its contract does not allow: a bad gateway, not the client's fault.
  INVALID_RESPONSE: 502,
};

/** The HTTP status a MeshError code maps to; anything unknown is a server fault (500), never a 400. */
export function httpStatusForCode(code: MeshErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}
