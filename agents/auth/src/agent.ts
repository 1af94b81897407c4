import {
  authLogin,
  authRegisterCredentials,
  authRevocations,
  authRevokeToken,
  authSigningKeys,
  authVerifyToken,
} from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { AuthService } from './auth-service.js';

/** What services.ts builds for the handlers. */
export interface AuthApp {
  readonly auth: AuthService;
}

/** auth-agent's declaration. Importing it connects to nothing; main.ts runs it. */
export const agent = defineAgent<AuthApp>({
  name: 'auth-agent',
  version: '1.0.0',
  description:
    'Authentication and authorization: logins, EdDSA access tokens with scopes, their public keys and revocation list.',
});

agent.tool({
  ...authLogin,
  name: 'auth_login',
  tags: ['auth', 'authentication'],
  handler: (input, ctx) => ctx.app.auth.login(input),
});

agent.tool({
  ...authVerifyToken,
  name: 'auth_verify_token',
  tags: ['auth', 'authorization'],
  handler: (input, ctx) => ctx.app.auth.verifyToken(input),
});

agent.tool({
  ...authRevokeToken,
  name: 'auth_revoke_token',
  tags: ['auth'],
  handler: (input, ctx) => ctx.app.auth.revokeToken(input),
});

agent.tool({
  ...authRegisterCredentials,
  name: 'auth_register_credentials',
  tags: ['auth'],
  handler: (input, ctx) => ctx.app.auth.registerCredentials(input),
});

agent.tool({
  ...authSigningKeys,
  name: 'auth_signing_keys',
  tags: ['auth', 'authorization'],
  handler: (_input, ctx) => ctx.app.auth.signingKeys(),
});

agent.tool({
  ...authRevocations,
  name: 'auth_revocations',
  tags: ['auth', 'authorization'],
  handler: (input, ctx) => ctx.app.auth.revocations(input),
});
