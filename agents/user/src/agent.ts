import { MeshError, defineAgent, type DependencyProxy } from '@mesh/runtime';
import { userCreate, userGet, userList, userUpdate } from '@mesh/contracts';
import type { UserPorts, UserService } from './user-service.js';

/** What main.ts builds for the handlers. */
export interface UserApp {
  readonly users: UserService;
}

/** Reads repeat safely, so they retry on transport failures; the database agent answers in milliseconds. */
const dataQuery = {
  capability: 'data_query',
  version: '>=1.0.0',
  timeoutMs: 2000,
  retries: 2,
  idempotent: true,
  required: true,
} as const;
/** Writes carry the user id as idempotency key, and create/update replays are handled in UserService. */
const dataStorage = {
  capability: 'data_storage',
  version: '>=1.0.0',
  timeoutMs: 3000,
  retries: 1,
  required: true,
} as const;
/** Registration is idempotent on auth-agent's side (same id, username and password succeed again). */
const registerCredentials = {
  capability: 'auth_register_credentials',
  version: '>=1.0.0',
  timeoutMs: 3000,
  retries: 2,
  idempotent: true,
  required: true,
} as const;

function undeclared(capability: string): never {
  throw new MeshError('INTERNAL', `${capability} is not a dependency of this tool`);
}

/** Binds the service's ports to this call's dependency proxies (so trace and deadline flow through). */
function bindPorts(deps: {
  query?: DependencyProxy;
  storage?: DependencyProxy;
  auth?: DependencyProxy;
}): UserPorts {
  return {
    query: (args, options) => (deps.query ?? undeclared('data_query')).call(args, options),
    storage: (args, options) => (deps.storage ?? undeclared('data_storage')).call(args, options),
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
  dependencies: { query: dataQuery },
  handler: ({ user_id }, ctx) => ctx.app.users.get(bindPorts(ctx.deps), user_id),
});

agent.tool({
  ...userList,
  name: 'user_list',
  tags: ['users'],
  dependencies: { query: dataQuery },
  handler: (input, ctx) => ctx.app.users.list(bindPorts(ctx.deps), input),
});

agent.tool({
  ...userCreate,
  name: 'user_create',
  tags: ['users'],
  dependencies: { storage: dataStorage, query: dataQuery, auth: registerCredentials },
  handler: (input, ctx) => ctx.app.users.create(bindPorts(ctx.deps), input, ctx.idempotencyKey),
});

agent.tool({
  ...userUpdate,
  name: 'user_update',
  tags: ['users'],
  dependencies: { storage: dataStorage, query: dataQuery },
  handler: (input, ctx) => ctx.app.users.update(bindPorts(ctx.deps), input),
});
