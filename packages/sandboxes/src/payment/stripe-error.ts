import type { ServerResponse } from 'node:http';
import { sendJson } from '@mesh/common';

/** Stripe's error families; clients branch on `type` first, then on `code`. */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/**
 * An error answered in Stripe's shape `{error: {type, code, message, ...}}`, so a client written for
 * the real gateway reads the sandbox's errors the same way.
 */
export class StripeError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly extra: Record<string, unknown>;

  constructor(
    status: number,
    type: StripeErrorType,
    code: string | undefined,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'StripeError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.extra = extra;
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message, ...this.extra };
    if (this.code !== undefined) error['code'] = this.code;
    return { error };
  }
}

/** A missing or malformed request parameter (400). */
export function invalidParam(code: string, param: string, message: string): StripeError {
  return new StripeError(400, 'invalid_request_error', code, message, { param });
}

/** An object that does not exist (404), worded as Stripe words it. */
export function noSuch(kind: string, id: string, param?: string): StripeError {
  const extra: Record<string, unknown> = param === undefined ? {} : { param };
  return new StripeError(404, 'invalid_request_error', 'resource_missing', `No such ${kind}: '${id}'`, extra);
}

/** Sends a StripeError with the request id header Stripe clients log. */
export function sendStripeError(res: ServerResponse, error: StripeError, requestId: string): void {
  sendJson(res, error.status, error.toBody(), { 'request-id': requestId });
}
