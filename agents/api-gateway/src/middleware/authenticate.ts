import type { RequestHandler } from 'express';
import { MeshError, toMeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { countRequest } from './rate-limit.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** What the auth agent answers for a token that is not valid (anything else is an outage, not a 401). */
const TOKEN_REFUSED = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'VALIDATION_FAILED', 'BAD_REQUEST']);

function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  const resource = required.split(':')[0];
  return resource !== undefined && granted.includes(`${resource}:*`);
}

/**
 * Lets a request through only with a bearer token that `auth_verify_token` accepts (positive answers cached
 * for a few seconds) and that grants `requiredScope` (or `admin`, or `<resource>:*`). The request counts against
 * the rate limit of the token's subject; one without a valid token against its address, so guessing tokens is
 * limited too. The verified token is the scope's `auth`.
 */
export function authenticate(ctx: GatewayContext, requiredScope: string): RequestHandler {
  return async (req, res, next) => {
    const scope = scopeOf(res);
    const header = req.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      await countRequest(ctx, scope, `ip:${ctx.clientAddress(req)}`);
      throw new MeshError('UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    }
    let verified = ctx.tokens.get(token);
    if (!verified) {
      try {
        verified = await ctx.mesh.verifyToken(token, ctx.callOptions(scope));
      } catch (raw: unknown) {
        const error = toMeshError(raw);
        if (!TOKEN_REFUSED.has(error.code)) throw error;
        await countRequest(ctx, scope, `ip:${ctx.clientAddress(req)}`);
        throw new MeshError('UNAUTHORIZED', 'invalid or expired token');
      }
      ctx.tokens.set(token, verified);
    }
    await countRequest(ctx, scope, `sub:${verified.user_id}`);
    if (!scopeAllows(verified.scopes, requiredScope)) {
      throw new MeshError('FORBIDDEN', `token lacks scope ${requiredScope}`);
    }
    scope.auth = verified;
    next();
  };
}
