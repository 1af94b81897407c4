import { sendJson } from '@mesh/common';
import { isIP } from 'node:net';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../gateway-context.js';
import { scopeOf } from '../request-scope.js';
import { loginBody, validate } from '../validation.js';

/** POST /auth/login. */
export function authRoutes(ctx: GatewayContext) {
  /** Passes credentials to the auth agent, with the client's address: it throttles failed logins per address too. */
  const login = async (req: Request, res: Response): Promise<void> => {
    const credentials = validate(loginBody, req.body);
    const address = ctx.clientAddress(req);
    const result = await ctx.mesh.login(
      { ...credentials, ...(isIP(address) === 0 ? {} : { client_address: address }) },
      ctx.callOptions(scopeOf(res)),
    );
    sendJson(res, 200, result);
  };

  return { login };
}
