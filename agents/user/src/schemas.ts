import { z } from 'zod';

export const userIdSchema = z.string().min(1).max(128);
/** Same rule as auth-agent's usernames, so a profile never holds a name auth would refuse. */
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

/** What user-agent answers for one user (the contract's user_get output). */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

export const getUserInput = z.object({ user_id: userIdSchema });
export const createUserInput = z.object({
  /** Optional: give one to make retries of the same creation idempotent; otherwise one is generated. */
  user_id: userIdSchema.optional(),
  username: usernameSchema,
  email: emailSchema,
  name: nameSchema,
  phone: phoneSchema.optional(),
  password: z.string().min(4).max(256),
});
export const updateUserInput = z.object({
  user_id: userIdSchema,
  email: emailSchema.optional(),
  name: nameSchema.optional(),
  /** null clears the phone number. */
  phone: phoneSchema.nullable().optional(),
});
export const listUsersInput = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  offset: z.number().int().min(0).default(0),
});
export const userListSchema = z.object({
  users: z.array(userSchema),
  limit: z.number().int(),
  offset: z.number().int(),
  total: z.number().int().optional(),
});

export type GetUserInput = z.infer<typeof getUserInput>;
export type CreateUserInput = z.infer<typeof createUserInput>;
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type ListUsersInput = z.input<typeof listUsersInput>;
export type UserList = z.infer<typeof userListSchema>;
