import type { Request, Response } from 'express';
import { MeshError, sendJson, toMeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { authOf, scopeOf } from '../request-scope.js';
import { pathId, validate } from '../validation.js';

/** GET /users/:id. */
export function userRoutes(ctx: GatewayContext) {
  /** A user's profile: their own, or anyone's for an admin. */
  const show = async (req: Request, res: Response): Promise<void> => {
    const auth = authOf(res);
    const userId = validate(pathId, req.params['id'], 'user id');
    if (userId !== auth.user_id && !auth.scopes.includes('admin')) {
      throw new MeshError('FORBIDDEN', 'a user may only read their own profile');
    }
    const user = await ctx.mesh.getUser(userId, ctx.callOptions(scopeOf(res))).catch((raw: unknown) => {
      throw toMeshError(raw).code === 'NOT_FOUND'
        ? new MeshError('NOT_FOUND', `user ${userId} not found`)
        : raw;
    });
    sendJson(res, 200, user);
  };

  return { show };
}
