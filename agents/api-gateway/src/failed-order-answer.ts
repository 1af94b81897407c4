import type { ServerResponse } from 'node:http';
import { sendJson } from '@mesh/common';
import { statusForFailedOrder } from './error-status.js';
import type { GatewayContext } from './gateway-context.js';

/**
 * Answers an order that ended failed (POST /orders, POST /cart/checkout) with the status its code means and,
 * when that is 503 (it failed for an outage), the Retry-After every 503 of the gateway carries.
 */
export function sendFailedOrder(
  res: ServerResponse,
  ctx: Pick<GatewayContext, 'retryAfter'>,
  code: string,
  body: unknown,
): void {
  const status = statusForFailedOrder(code);
  sendJson(res, status, body, status === 503 ? { 'retry-after': ctx.retryAfter } : {});
}
