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

/** The public half of a token signing key, as a JWK (RFC 8037: Ed25519 is `kty: OKP`, `crv: Ed25519`). */
export const publicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  /** The 32-byte public key, base64url without padding. */
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url Ed25519 public key'),
});

/** One published verification key: tokens whose header names `kid` are checked with it, with `alg` only. */
export const signingKeySchema = z.object({
  kid: z.string().min(1).max(128),
  alg: z.literal('EdDSA'),
  jwk: publicJwkSchema,
  /** When the key may first sign (ISO 8601); a key published ahead of its use lets verifiers fetch it early. */
  not_before: z.string(),
  /** After this no token it signed can still be valid (ISO 8601): verifiers may forget the key then. */
  not_after: z.string(),
});

/**
 * The keys that verify access tokens, so a verifier (the gateway) checks tokens locally instead of asking per
 * request: the current signing key, the next one (published before its first use) and previous ones until every
 * token they signed has expired. Also the `iss` and `aud` every token carries.
 */
export const authSigningKeys = defineContract({
  capability: 'auth_signing_keys',
  version: '1.0.0',
  description:
    'Public keys (JWK, EdDSA) that verify access tokens: current, next and previous until their tokens expire.',
  input: z.object({}),
  output: z.object({
    issuer: z.string(),
    audience: z.string(),
    keys: z.array(signingKeySchema).max(64),
  }),
  idempotent: true,
});

/** Largest page of `auth_revocations`. */
export const MAX_REVOCATIONS_PAGE = 1000;

/**
 * Revoked token ids still within their lifetime, oldest first, after `cursor` (absent: from the start). A
 * verifier polls with the `cursor` of its last answer and gets only what is new; `more` says another page waits.
 */
export const authRevocations = defineContract({
  capability: 'auth_revocations',
  version: '1.0.0',
  description:
    'Revoked token ids (jti) with their expiry, after a cursor, so a poll returns only what is new.',
  input: z.object({
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, 'a cursor from an earlier answer')
      .optional(),
    limit: z.number().int().min(1).max(MAX_REVOCATIONS_PAGE).optional(),
  }),
  output: z.object({
    revocations: z.array(z.object({ jti: z.string(), expires_at: z.string() })).max(MAX_REVOCATIONS_PAGE),
    cursor: z.string(),
    more: z.boolean(),
  }),
  idempotent: true,
});
