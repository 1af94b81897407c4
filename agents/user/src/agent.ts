import {
  authRegisterCredentials,
  dataQuery,
  dataStorage,
  userCreate,
  userGet,
  userList,
  userUpdate,
} from '@mesh/contracts';
import { MeshError, defineAgent, type ContractProxy } from '@mesh/runtime';
import type { UserPorts, UserService } from './user-service.js';

/** What services.ts builds for the handlers. */
export interface UserApp {
  readonly users: UserService;
}

/** Reads repeat safely (the contract says so), so they retry; the database agent answers in milliseconds. */
const query = { contract: dataQuery, timeoutMs: 2000, retries: 2, required: true };
/** Writes carry the user id as idempotency key, and create/update replays are handled in UserService. */
const storage = { contract: dataStorage, timeoutMs: 3000, retries: 1, required: true };
/** Registration is idempotent on auth-agent's side (same id, username and password succeed again). */
const registerCredentials = {
  contract: authRegisterCredentials,
  timeoutMs: 3000,
  retries: 2,
  required: true,
};

function undeclared(capability: string): never {
  throw new MeshError('INTERNAL', `${capability} is not a dependency of this tool`);
}

/** Binds the service's ports to this call's dependency proxies (so trace and deadline flow through). */
function bindPorts(deps: {
  query?: ContractProxy<typeof dataQuery>;
  storage?: ContractProxy<typeof dataStorage>;
  auth?: ContractProxy<typeof authRegisterCredentials>;
}): UserPorts {
  return {
    query: (args, options) => dataQuery.run(deps.query ?? undeclared('data_query'), args, options),
    storage: (args, options) => dataStorage.run(deps.storage ?? undeclared('data_storage'), args, options),
    registerCredentials: (args, options) =>
      (deps.auth ?? undeclared('auth_register_credentials')).call(args, options),
  };
}

/** user-agent's declaration. Importing it connects to nothing; main.ts runs it. */
export const agent = defineAgent<UserApp>({
  name: 'user-agent',
  version: '1.0.0',
  description: 'User management: profiles through the database agent, credentials through auth-agent.',
});

agent.tool({
  ...userGet,
  name: 'user_get',
  tags: ['users'],
  dependencies: { query },
  handler: ({ user_id }, ctx) => ctx.app.users.get(bindPorts(ctx.deps), user_id),
});

agent.tool({
  ...userList,
  name: 'user_list',
  tags: ['users'],
  dependencies: { query },
  handler: (input, ctx) => ctx.app.users.list(bindPorts(ctx.deps), input),
});

agent.tool({
  ...userCreate,
  name: 'user_create',
  tags: ['users'],
  dependencies: { storage, query, auth: registerCredentials },
  handler: (input, ctx) => ctx.app.users.create(bindPorts(ctx.deps), input, ctx.idempotencyKey),
});

agent.tool({
  ...userUpdate,
  name: 'user_update',
  tags: ['users'],
  dependencies: { storage, query },
  handler: (input, ctx) => ctx.app.users.update(bindPorts(ctx.deps), input),
});
