import { sendJson } from '@mesh/common';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../gateway-context.js';
import { authOf, scopeOf } from '../request-scope.js';
import { recommendationsQuery } from '../shop-validation.js';
import { validate } from '../validation.js';

/** GET /recommendations?limit=&exclude=: for the signed-in user (never what is in their cart). */
export function recommendationRoutes(ctx: GatewayContext) {
  const list = async (req: Request, res: Response): Promise<void> => {
    const query = validate(recommendationsQuery, req.query, 'query');
    const answer = await ctx.mesh.recommend(
      { user_id: authOf(res).user_id, limit: query.limit, exclude: query.exclude },
      ctx.callOptions(scopeOf(res)),
    );
    sendJson(res, 200, answer);
  };

  return { list };
}
