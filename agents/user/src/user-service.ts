import { createHash, randomUUID } from 'node:crypto';
import type { Cache } from '@mesh/backends';
import { MeshError, isMeshError, silentLogger, type Logger } from '@mesh/common';
import type {
  ContractInput,
  ContractOutput,
  QueryArgs,
  QueryResult,
  StorageArgs,
  StorageResult,
  authRegisterCredentials,
} from '@mesh/contracts';
import { userProfileCacheKey } from '@mesh/contracts';
import {
  type CreateUserInput,
  type ListUsersInput,
  type UpdateUserInput,
  type User,
  type UserList,
} from './schemas.js';

export interface CallOptions {
  idempotencyKey?: string;
}

/**
 * The mesh calls user-agent makes, one function per capability and typed by its contract, so the service is
 * tested with plain fakes and agent.ts binds them to `ctx.deps`.
 */
export interface UserPorts {
  /** database-agent `data_query`: the result is the operation's. */
  query<A extends QueryArgs>(args: A, options?: CallOptions): Promise<QueryResult<A['op']>>;
  /** database-agent `data_storage`: the result is the operation's. */
  storage<A extends StorageArgs>(args: A, options?: CallOptions): Promise<StorageResult<A['op']>>;
  /** auth-agent `auth_register_credentials`. */
  registerCredentials(
    args: ContractInput<typeof authRegisterCredentials>,
    options?: CallOptions,
  ): Promise<ContractOutput<typeof authRegisterCredentials>>;
}

export interface UserServiceOptions {
  readonly cache: Cache;
  /** How long a user_get answer may be served from cache. */
  readonly cacheTtlMs: number;
  readonly logger?: Logger;
}

/** The shared key: other processes caching profiles (the order agent) are evicted by the same message. */
const cacheKey = userProfileCacheKey;

/** A stored user as user-agent answers it (the database agent's row, already checked by its contract). */
function toUser(row: QueryResult<'user.get'>): User {
  const user: User = { id: row.id, username: row.username, email: row.email, name: row.name };
  if (row.phone !== undefined) user.phone = row.phone;
  return user;
}

/** The same caller key always names the same new user, so a retried user_create finishes instead of clashing. */
function idFromKey(key: string): string {
  return `user-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function notFound(userId: string): MeshError {
  return new MeshError('NOT_FOUND', `user ${userId} not found`, { data: { user_id: userId } });
}

/** user_get/create/update/list as plain async functions over the ports; one instance per call is cheap. */
export class UserService {
  readonly #cache: Cache;
  readonly #ttlMs: number;
  readonly #logger: Logger;

  constructor(options: UserServiceOptions) {
    this.#cache = options.cache;
    this.#ttlMs = options.cacheTtlMs;
    this.#logger = options.logger ?? silentLogger();
  }

  /** Cached for cacheTtlMs; updates made through this agent invalidate the entry. */
  async get(ports: UserPorts, userId: string): Promise<User> {
    const cached = await this.#cache.get<User>(cacheKey(userId));
    if (cached !== undefined) return cached;
    const user = await this.#fetch(ports, userId);
    if (user === undefined) throw notFound(userId);
    await this.#cache.set(cacheKey(userId), user, this.#ttlMs);
    return user;
  }

  async list(ports: UserPorts, input: Required<ListUsersInput>): Promise<UserList> {
    const page = await ports.query({ op: 'user.list', limit: input.limit, offset: input.offset });
    return { users: page.users.map(toUser), limit: input.limit, offset: input.offset, total: page.total };
  }

  /**
   * Profile first (business_db decides username uniqueness), then credentials. A retry with the same
   * user_id (or the same idempotency key, from which the id is derived) finds its own profile and completes
   * the credentials, so a half-done creation can be finished.
   */
  async create(ports: UserPorts, input: CreateUserInput, idempotencyKey?: string): Promise<User> {
    const id =
      input.user_id ?? (idempotencyKey === undefined ? `user-${randomUUID()}` : idFromKey(idempotencyKey));
    const phone = input.phone === undefined ? {} : { phone: input.phone };
    const profile = {
      user_id: id,
      username: input.username,
      email: input.email,
      name: input.name,
      ...phone,
    };
    let user: User;
    try {
      user = toUser(await ports.storage({ op: 'user.create', ...profile }, { idempotencyKey: id }));
    } catch (error: unknown) {
      if (!isMeshError(error, 'CONFLICT')) throw error;
      // Our own earlier attempt (same id, same username) is a replay to finish; anything else is a real clash,
      // reported as the database agent worded it (data.field says which column).
      const existing = await this.#fetch(ports, id);
      if (existing === undefined || existing.username.toLowerCase() !== input.username.toLowerCase())
        throw error;
      user = existing;
    }
    await ports.registerCredentials(
      { user_id: id, username: input.username, password: input.password },
      { idempotencyKey: id },
    );
    await this.#cache.delete(cacheKey(id));
    this.#logger.info({ user_id: id }, 'user created');
    return user;
  }

  async update(ports: UserPorts, input: UpdateUserInput): Promise<User> {
    const { user_id: userId, ...changes } = input;
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new MeshError('VALIDATION_FAILED', 'nothing to update: give email, name or phone', {
        data: { issues: [{ path: '', message: 'no fields to update' }] },
      });
    }
    try {
      return toUser(
        await ports.storage({ op: 'user.update', user_id: userId, ...changes }, { idempotencyKey: userId }),
      );
    } finally {
      // Invalidate even when the outcome is unknown (timeout): the next read goes to the source.
      await this.#cache.delete(cacheKey(userId));
    }
  }

  async #fetch(ports: UserPorts, userId: string): Promise<User | undefined> {
    try {
      return toUser(await ports.query({ op: 'user.get', user_id: userId }));
    } catch (error: unknown) {
      if (isMeshError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }
}
