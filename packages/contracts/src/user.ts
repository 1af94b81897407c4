import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The user agent's capabilities: profiles (through the database agent) and their credentials. */

export const userIdSchema = z.string().min(1).max(128);
/** Same rule as the auth agent's usernames, so a profile never holds a name auth would refuse. */
export const usernameSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only');
export const emailSchema = z.email().max(254);
export const nameSchema = z.string().trim().min(1).max(200);
export const phoneSchema = z
  .string()
  .regex(/^\+?[0-9][0-9 ()-]{3,30}$/, 'a phone number such as +1 555 0100');

/**
 * The Redis pub/sub channel on which user-agent announces changed profiles (the keys of
 * `userProfileCacheKey`). Every process that keeps user_get answers in memory (user-agent's replicas,
 * order-agent) listens here, so a profile change evicts every copy; sharing the name keeps them from drifting.
 */
export const USER_PROFILE_INVALIDATION_CHANNEL = 'user-agent:profiles';

/** The key a cached user_get answer is kept and invalidated under, in every process that caches one. */
export function userProfileCacheKey(userId: string): string {
  return `user:${userId}`;
}

/** One user as user-agent answers it. */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string().optional(),
});

export const userGet = defineContract({
  capability: 'user_get',
  version: '1.0.0',
  description: 'One user by id (briefly cached). NOT_FOUND.',
  input: z.object({ user_id: userIdSchema }),
  output: userSchema,
  idempotent: true,
});

export const userList = defineContract({
  capability: 'user_list',
  version: '1.0.0',
  description: 'A page of users ordered by id, with the total.',
  input: z.object({
    limit: z.number().int().min(1).max(100).default(20),
    offset: z.number().int().min(0).default(0),
  }),
  output: z.object({
    users: z.array(userSchema),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int().optional(),
  }),
  idempotent: true,
});

/** Not idempotent by itself: retry-safe only with a user_id or an idempotency key. */
export const userCreate = defineContract({
  capability: 'user_create',
  version: '1.0.0',
  description:
    'Creates the profile and the login credentials. Retry-safe with user_id or an idempotency key. ' +
    'CONFLICT (data.field), VALIDATION_FAILED.',
  input: z.object({
    /** Optional: give one to make retries of the same creation idempotent; otherwise one is generated. */
    user_id: userIdSchema.optional(),
    username: usernameSchema,
    email: emailSchema,
    name: nameSchema,
    phone: phoneSchema.optional(),
    password: z.string().min(4).max(256),
  }),
  output: userSchema,
});

export const userUpdate = defineContract({
  capability: 'user_update',
  version: '1.0.0',
  description:
    'Changes email, name or phone (null clears it) and drops the cached copy. NOT_FOUND, CONFLICT.',
  input: z.object({
    user_id: userIdSchema,
    email: emailSchema.optional(),
    name: nameSchema.optional(),
    /** null clears the phone number. */
    phone: phoneSchema.nullable().optional(),
  }),
  output: userSchema,
  idempotent: true,
});
