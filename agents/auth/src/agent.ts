import { defineAgent } from '@mesh/runtime';
import type { AuthService } from './auth-service.js';
import {
  loginInput,
  loginOutput,
  registerCredentialsInput,
  registerCredentialsOutput,
  revokeTokenInput,
  revokeTokenOutput,
  verifyTokenInput,
  verifyTokenOutput,
} from './schemas.js';

/** What services.ts builds for the handlers. */
export interface AuthApp {
  readonly auth: AuthService;
}

/** auth-agent's declaration. Importing it connects to nothing; main.ts runs it. */
export const agent = defineAgent<AuthApp>({
  name: 'auth-agent',
  version: '1.0.0',
  description: 'Authentication and authorization: logins, JWT access tokens with scopes, revocation.',
});

agent.tool({
  name: 'auth_login',
  version: '1.0.0',
  tags: ['auth', 'authentication'],
  description: 'Checks a username and password; returns a Bearer access token. UNAUTHORIZED, RATE_LIMITED.',
  input: loginInput,
  output: loginOutput,
  handler: (input, ctx) => ctx.app.auth.login(input),
});

agent.tool({
  name: 'auth_verify_token',
  version: '1.0.0',
  tags: ['auth', 'authorization'],
  description: 'Verifies an access token and, when given, that it grants `scope`. UNAUTHORIZED, FORBIDDEN.',
  input: verifyTokenInput,
  output: verifyTokenOutput,
  idempotent: true,
  handler: (input, ctx) => ctx.app.auth.verifyToken(input),
});

agent.tool({
  name: 'auth_revoke_token',
  version: '1.0.0',
  tags: ['auth'],
  description: 'Revokes an access token on every replica until it would have expired.',
  input: revokeTokenInput,
  output: revokeTokenOutput,
  idempotent: true,
  handler: (input, ctx) => ctx.app.auth.revokeToken(input),
});

agent.tool({
  name: 'auth_register_credentials',
  version: '1.0.0',
  tags: ['auth'],
  description:
    'Stores a password (scrypt) and scopes for a user id. Repeating the same call succeeds; CONFLICT.',
  input: registerCredentialsInput,
  output: registerCredentialsOutput,
  idempotent: true,
  handler: (input, ctx) => ctx.app.auth.registerCredentials(input),
});
