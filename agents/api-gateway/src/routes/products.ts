import { sendJson } from '@mesh/common';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { productsQuery, validate } from '../validation.js';

/** GET /products: public, as a shop's catalogue is (the route table counts it against the client address). */
export function productRoutes(ctx: GatewayContext) {
  const list = async (req: Request, res: Response): Promise<void> => {
    const page = validate(productsQuery, req.query, 'query');
    sendJson(res, 200, await ctx.mesh.listProducts(page, ctx.callOptions(scopeOf(res))));
  };

  return { list };
}
