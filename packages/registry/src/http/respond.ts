import type { ServerResponse } from 'node:http';
import { MeshError, httpStatusForCode } from '@mesh/common';

/**
 * Sends the spec's ErrorResponse (`{error: string, timestamp, details}`), which official clients parse,
 * with our code, the offending field and the request id in `details`.
 */
export function sendSpecError(
  res: ServerResponse,
  error: MeshError,
  requestId: string,
  status?: number,
): void {
  const field = error.data?.['field'];
  const body = JSON.stringify({
    error: error.message,
    timestamp: new Date().toISOString(),
    details: { code: error.code, ...(typeof field === 'string' ? { field } : {}), requestId },
  });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const forced = error.data?.['status'];
  res.writeHead(status ?? (typeof forced === 'number' ? forced : httpStatusForCode(error.code)), {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Sends pre-serialised JSON text. */
export function sendJsonText(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

export function notFound(what: string): MeshError {
  return new MeshError('NOT_FOUND', what);
}
