import { userCreate, userGet, userList, userUpdate } from '@mesh/contracts';
import type { ContractOutput } from '@mesh/contracts';
import type { z } from 'zod';

/** The user agent's schemas are its contracts' (`@mesh/contracts`); these names keep the modules short. */
export {
  emailSchema,
  nameSchema,
  phoneSchema,
  userIdSchema,
  userSchema,
  usernameSchema,
} from '@mesh/contracts';

export type User = ContractOutput<typeof userGet>;

export const getUserInput = userGet.input;
export const createUserInput = userCreate.input;
export const updateUserInput = userUpdate.input;
export const listUsersInput = userList.input;
export const userListSchema = userList.output;

export type GetUserInput = z.infer<typeof getUserInput>;
export type CreateUserInput = z.infer<typeof createUserInput>;
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type ListUsersInput = z.input<typeof listUsersInput>;
export type UserList = ContractOutput<typeof userList>;
