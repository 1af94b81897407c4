import { isIP } from 'node:net';
import { z } from 'zod';
import { SCOPE_PATTERN } from './scopes.js';

/** Letters, digits, `.`, `_`, `-`; 3-64 characters, so usernames are safe in logs and URLs. */
export const usernameSchema = z
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

export const loginInput = z.object({
  username: usernameSchema,
  password: passwordSchema,
  client_address: clientAddressSchema.optional(),
});
export const verifyTokenInput = z.object({ token: tokenSchema, scope: scopeSchema.optional() });
export const revokeTokenInput = z.object({ token: tokenSchema });
export const registerCredentialsInput = z.object({
  user_id: z.string().min(1).max(128),
  username: usernameSchema,
  password: passwordSchema,
  scopes: z.array(scopeSchema).max(32).optional(),
});

export const loginOutput = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  user_id: z.string(),
  scopes: z.array(z.string()),
});
export const verifyTokenOutput = z.object({
  valid: z.literal(true),
  user_id: z.string(),
  username: z.string().optional(),
  scopes: z.array(z.string()),
  expires_at: z.string(),
});
export const revokeTokenOutput = z.object({
  revoked: z.literal(true),
  token_id: z.string(),
  expires_at: z.string(),
});
export const registerCredentialsOutput = z.object({
  user_id: z.string(),
  username: z.string(),
  scopes: z.array(z.string()),
  created: z.boolean(),
});

export type LoginInput = z.infer<typeof loginInput>;
export type LoginOutput = z.infer<typeof loginOutput>;
export type VerifyTokenInput = z.infer<typeof verifyTokenInput>;
export type VerifyTokenOutput = z.infer<typeof verifyTokenOutput>;
export type RevokeTokenInput = z.infer<typeof revokeTokenInput>;
export type RevokeTokenOutput = z.infer<typeof revokeTokenOutput>;
export type RegisterCredentialsInput = z.infer<typeof registerCredentialsInput>;
export type RegisterCredentialsOutput = z.infer<typeof registerCredentialsOutput>;
