import { isIP } from 'node:net';
import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The auth agent's capabilities: logins, access tokens with scopes, revocation, credentials. */

/** `resource:action`, `resource:*` or a bare word such as `admin`. */
export const SCOPE_PATTERN = /^[a-z][a-z0-9_-]*(:([a-z][a-z0-9_-]*|\*))?$/;

/** Letters, digits, `.`, `_`, `-`; 3-64 characters, so usernames are safe in logs and URLs. */
export const authUsernameSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only');
/** Short enough that scrypt's input stays bounded; the demo password "demo" must pass. */
export const passwordSchema = z.string().min(4).max(256);
export const scopeSchema = z.string().regex(SCOPE_PATTERN, 'a scope such as orders:read');
export const tokenSchema = z.string().min(10).max(4096);

/** The client's IP address (v4 or v6, as the gateway saw it); the login throttle counts failures per address. */
export const clientAddressSchema = z
  .string()
  .max(64)
  .refine((value) => isIP(value) !== 0, 'an IPv4 or IPv6 address');

/** Not idempotent: each login issues a new token and counts against the throttle. */
export const authLogin = defineContract({
  capability: 'auth_login',
  version: '1.0.0',
  description: 'Checks a username and password; returns a Bearer access token. UNAUTHORIZED, RATE_LIMITED.',
  input: z.object({
    username: authUsernameSchema,
    password: passwordSchema,
    client_address: clientAddressSchema.optional(),
  }),
  output: z.object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    user_id: z.string(),
    scopes: z.array(z.string()),
  }),
});

export const authVerifyToken = defineContract({
  capability: 'auth_verify_token',
  version: '1.0.0',
  description: 'Verifies an access token and, when given, that it grants `scope`. UNAUTHORIZED, FORBIDDEN.',
  input: z.object({ token: tokenSchema, scope: scopeSchema.optional() }),
  output: z.object({
    valid: z.literal(true),
    user_id: z.string(),
    username: z.string().optional(),
    scopes: z.array(z.string()),
    expires_at: z.string(),
  }),
  idempotent: true,
});

export const authRevokeToken = defineContract({
  capability: 'auth_revoke_token',
  version: '1.0.0',
  description: 'Revokes an access token on every replica until it would have expired.',
  input: z.object({ token: tokenSchema }),
  output: z.object({ revoked: z.literal(true), token_id: z.string(), expires_at: z.string() }),
  idempotent: true,
});

export const authRegisterCredentials = defineContract({
  capability: 'auth_register_credentials',
  version: '1.0.0',
  description:
    'Stores a password (scrypt) and scopes for a user id. Repeating the same call succeeds; CONFLICT.',
  input: z.object({
    user_id: z.string().min(1).max(128),
    username: authUsernameSchema,
    password: passwordSchema,
    scopes: z.array(scopeSchema).max(32).optional(),
  }),
  output: z.object({
    user_id: z.string(),
    username: z.string(),
    scopes: z.array(z.string()),
    created: z.boolean(),
  }),
  idempotent: true,
});
