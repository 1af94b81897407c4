import type { Request, Response } from 'express';
import { MeshError, sendJson, toMeshError } from '@mesh/common';
import { statusForError } from '../error-status.js';
import { sendFailedOrder } from '../failed-order-answer.js';
import type { GatewayContext } from '../gateway-context.js';
import { resultOfDecided, settleOrder } from '../order-outcome.js';
import type { OrderResult } from '../order-outcome.js';
import { authOf, scopeOf } from '../request-scope.js';
import { orderBody, pathId, validate } from '../validation.js';

/** How long a POST /orders keeps re-sending an order whose order agent dropped the connection before storing it. */
const RESEND_WINDOW_MS = 15_000;

/** POST /orders and GET /orders/:id. */
export function orderRoutes(ctx: GatewayContext) {
  const { mesh, metrics } = ctx;

  /** Places an order and answers its outcome, or 202 pending when the outcome cannot be known yet. */
  const place = async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(res);
    const auth = authOf(res);
    const body = validate(orderBody, req.body);
    scope.orderId = body.order_id;
    if (body.user_id !== auth.user_id && !auth.scopes.includes('admin')) {
      throw new MeshError('FORBIDDEN', 'user_id must be the authenticated user');
    }
    const deadline = Date.now() + ctx.orderTimeoutMs;
    let result: OrderResult;
    try {
      result = await mesh.processOrder(body, ctx.callOptions(scope, ctx.orderTimeoutMs));
    } catch (raw: unknown) {
      const error = toMeshError(raw);
      if (statusForError(error) < 500) throw error;
      // The outcome may not be what the error says: the order may be recorded and still finish (recovery
      // completes a charged order). Ask for it rather than answer an error that later turns into a charge.
      // A dropped connection may mean an order agent died before storing the order: it is sent again (safe by
      // order_id) within the order's time, so a 202 never stands for an order that was lost.
      const known = await settleOrder(error, {
        lookup: () =>
          mesh.getOrder(body.order_id, ctx.callOptions(scope, Math.min(ctx.requestTimeoutMs, 5_000))),
        resend: () => mesh.processOrder(body, ctx.callOptions(scope, Math.max(1, deadline - Date.now()))),
        isClientError: (failure) => statusForError(failure) < 500,
        deadline: Math.min(deadline, Date.now() + RESEND_WINDOW_MS),
      });
      if (known.kind === 'not_taken') throw known.error;
      if (known.kind === 'result') result = known.result;
      else if (known.kind === 'pending') {
        metrics?.orders.inc({ status: 'pending', code: error.code });
        scope.logger.info({ order_id: body.order_id, code: error.code }, 'order outcome not known yet; 202');
        sendJson(
          res,
          202,
          { status: 'pending', order_id: body.order_id },
          { location: `/orders/${encodeURIComponent(body.order_id)}` },
        );
        return;
      } else result = resultOfDecided(known.view);
    }
    if (result.status === 'completed') {
      metrics?.orders.inc({ status: 'completed', code: '' });
      sendJson(res, 200, {
        status: 'completed',
        order_id: body.order_id,
        payment_id: result.payment_id ?? null,
        replayed: result.replayed,
      });
      return;
    }
    const code = result.error?.code ?? 'ORDER_FAILED';
    scope.failure = code;
    scope.orderFailed = true;
    metrics?.orders.inc({ status: 'failed', code });
    scope.logger.debug({ order_id: body.order_id, code }, 'order failed');
    sendFailedOrder(res, ctx, code, {
      status: 'failed',
      order_id: body.order_id,
      error: { code, message: result.error?.message ?? 'order failed', requestId: scope.requestId },
      state: result.state,
      replayed: result.replayed,
    });
  };

  /** An order as its owner (or an admin) may see it; anyone else's is 404, so ids are not an oracle. */
  const show = async (req: Request, res: Response): Promise<void> => {
    const scope = scopeOf(res);
    const auth = authOf(res);
    const orderId = validate(pathId, req.params['id'], 'order id');
    scope.orderId = orderId;
    const notFound = new MeshError('NOT_FOUND', `order ${orderId} not found`);
    const view = await mesh.getOrder(orderId, ctx.callOptions(scope)).catch((raw: unknown) => {
      throw toMeshError(raw).code === 'NOT_FOUND' ? notFound : raw;
    });
    if (view.user_id !== auth.user_id && !auth.scopes.includes('admin')) throw notFound;
    sendJson(res, 200, view);
  };

  return { place, show };
}
