import type { RequestHandler } from 'express';
import { MeshError, isMeshError } from '@mesh/common';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { countRequest } from './rate-limit.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes('admin') || granted.includes(required)) return true;
  const resource = required.split(':')[0];
  return resource !== undefined && granted.includes(`${resource}:*`);
}

/**
 * Lets a request through only with a bearer token the gateway verifies itself (signature with auth's published
 * keys, claims, revocation list: token-check/) and that grants `requiredScope` (or `admin`, or
 * `<resource>:*`); no call to auth per request. The request counts against the rate limit of the token's
 * subject; one without a valid token against its address, so guessing tokens is limited too. A gateway that
 * holds no keys yet answers 503 AUTH_UNAVAILABLE, not 401. The verified token is the scope's `auth`.
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
    let verified;
    try {
      verified = await ctx.tokens.verify(token);
    } catch (error: unknown) {
      if (!isMeshError(error, 'UNAUTHORIZED')) throw error;
      await countRequest(ctx, scope, `ip:${ctx.clientAddress(req)}`);
      throw error;
    }
    await countRequest(ctx, scope, `sub:${verified.user_id}`);
    if (!scopeAllows(verified.scopes, requiredScope)) {
      throw new MeshError('FORBIDDEN', `token lacks scope ${requiredScope}`);
    }
    scope.auth = verified;
    next();
  };
}
