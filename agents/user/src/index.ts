/** Public API of @mesh/agent-user: the domain service and its schemas, for tests and other wiring. */
export { UserService } from './user-service.js';
export type { UserPorts, UserServiceOptions, CallOptions } from './user-service.js';
export {
  userSchema,
  userListSchema,
  getUserInput,
  createUserInput,
  updateUserInput,
  listUsersInput,
} from './schemas.js';
/** Kept here for existing importers; the implementation lives in @mesh/common. */
export { validateInput } from '@mesh/common';
export type {
  User,
  UserList,
  CreateUserInput,
  UpdateUserInput,
  ListUsersInput,
  GetUserInput,
} from './schemas.js';
