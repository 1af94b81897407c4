import { MeshError, sendJson } from '@mesh/common';
import type { Request, Response } from 'express';
import { sendFailedOrder } from '../failed-order-answer.js';
import type { GatewayContext } from '../gateway-context.js';
import { authOf, scopeOf } from '../request-scope.js';
import { cartBody, checkoutBody, checkoutKeySchema, skuSchema } from '../shop-validation.js';
import { validate } from '../validation.js';

/**
 * The signed-in user's cart: GET, POST (add or set lines), DELETE (all, or one SKU) /cart, and
 * POST /cart/checkout. The user is always the token's subject; a body never names one.
 */
export function cartRoutes(ctx: GatewayContext) {
  const { mesh } = ctx;

  const show = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, 200, await mesh.getCart(authOf(res).user_id, ctx.callOptions(scopeOf(res))));
  };

  const change = async (req: Request, res: Response): Promise<void> => {
    const body = validate(cartBody, req.body);
    const view = await mesh.changeCart(
      authOf(res).user_id,
      body.items,
      body.mode,
      ctx.callOptions(scopeOf(res)),
    );
    sendJson(res, 200, view);
  };

  const clear = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, 200, await mesh.clearCart(authOf(res).user_id, ctx.callOptions(scopeOf(res))));
  };

  const removeLine = async (req: Request, res: Response): Promise<void> => {
    const sku = validate(skuSchema, req.params['sku'], 'sku');
    const view = await mesh.changeCart(
      authOf(res).user_id,
      [{ sku, quantity: 0 }],
      'set',
      ctx.callOptions(scopeOf(res)),
    );
    sendJson(res, 200, view);
  };

  /**
   * Places the cart as one order: 200 completed, the order's failure status (402 declined, 409 out of stock…)
   * with the cart left as it was, or 202 pending (Location: the order) when its outcome is not known yet.
   */
  const checkout = async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(res);
    const body = validate(checkoutBody, req.body);
    const header = req.headers['idempotency-key'];
    const headerKey =
      header === undefined ? undefined : validate(checkoutKeySchema, header, 'Idempotency-Key');
    if (headerKey !== undefined && body.checkout_key !== undefined && headerKey !== body.checkout_key) {
      throw new MeshError('VALIDATION_FAILED', 'checkout_key: differs from the Idempotency-Key header', {
        data: {
          field: 'checkout_key',
          details: [{ field: 'checkout_key', message: 'differs from Idempotency-Key' }],
        },
      });
    }
    const key = body.checkout_key ?? headerKey;
    const result = await mesh.checkout(
      {
        user_id: authOf(res).user_id,
        ...(key === undefined ? {} : { checkout_key: key }),
        ...(body.payment_method === undefined ? {} : { payment_method: body.payment_method }),
      },
      ctx.callOptions(scope, ctx.orderTimeoutMs),
    );
    scope.orderId = result.order_id;
    if (result.status === 'pending') {
      sendJson(res, 202, result, { location: `/orders/${encodeURIComponent(result.order_id)}` });
      return;
    }
    if (result.status === 'failed') {
      const code = result.error?.code ?? 'ORDER_FAILED';
      scope.failure = code;
      scope.orderFailed = true;
      sendFailedOrder(res, ctx, code, {
        ...result,
        error: { code, message: result.error?.message ?? 'order failed', requestId: scope.requestId },
      });
      return;
    }
    sendJson(res, 200, result);
  };

  return { show, change, clear, removeLine, checkout };
}
