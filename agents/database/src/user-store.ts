import { randomUUID } from 'node:crypto';
import type { Cache } from '@mesh/backends';
import { MeshError } from '@mesh/common';
import type pg from 'pg';
import type { StorageOperation, User } from './operations.js';

type CreateUser = Extract<StorageOperation, { op: 'user.create' }>;
type UpdateUser = Extract<StorageOperation, { op: 'user.update' }>;

interface UserRow {
  id: string;
  username: string;
  email: string;
  name: string;
  phone: string | null;
}

const COLUMNS = 'id, username, email, name, phone';
const UNIQUE_VIOLATION = '23505';

function toUser(row: UserRow): User {
  const user: User = { id: row.id, username: row.username, email: row.email, name: row.name };
  if (row.phone !== null) user.phone = row.phone;
  return user;
}

export const userCacheKey = (userId: string): string => `user:${userId}`;

/** Users in business_db with a read-through cache on `user.get`, invalidated by every write. */
export class UserStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly cache: Cache,
    private readonly ttlMs: number,
  ) {}

  async get(userId: string): Promise<User> {
    const cached = await this.cache.get<User>(userCacheKey(userId));
    if (cached !== undefined) return cached;
    const result = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [userId]);
    const row = result.rows[0];
    if (row === undefined)
      throw new MeshError('NOT_FOUND', `user ${userId} not found`, { data: { user_id: userId } });
    const user = toUser(row);
    await this.cache.set(userCacheKey(userId), user, this.ttlMs);
    return user;
  }

  async list(
    limit: number,
    offset: number,
  ): Promise<{ users: User[]; total: number; limit: number; offset: number }> {
    const [rows, count] = await Promise.all([
      this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2`, [
        limit,
        offset,
      ]),
      this.pool.query<{ total: string }>('SELECT count(*) AS total FROM users'),
    ]);
    return { users: rows.rows.map(toUser), total: Number(count.rows[0]?.total ?? 0), limit, offset };
  }

  async create(input: CreateUser): Promise<User> {
    const id = input.user_id ?? `user-${randomUUID()}`;
    try {
      const result = await this.pool.query<UserRow>(
        `INSERT INTO users (id, username, email, name, phone) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [id, input.username, input.email, input.name, input.phone ?? null],
      );
      await this.cache.delete(userCacheKey(id));
      return toUser(result.rows[0]!);
    } catch (error: unknown) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        const constraint = (error as { constraint?: string }).constraint ?? '';
        const field = constraint.includes('email')
          ? 'email'
          : constraint.includes('username')
            ? 'username'
            : 'user_id';
        throw new MeshError('CONFLICT', `a user with this ${field} already exists`, { data: { field } });
      }
      throw error;
    }
  }

  async update(input: UpdateUser): Promise<User> {
    const sets: string[] = [];
    const values: unknown[] = [input.user_id];
    const assign = (column: string, value: unknown): void => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (input.email !== undefined) assign('email', input.email);
    if (input.name !== undefined) assign('name', input.name);
    if (input.phone !== undefined) assign('phone', input.phone);
    if (sets.length === 0) return this.get(input.user_id);
    try {
      const result = await this.pool.query<UserRow>(
        `UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        values,
      );
      const row = result.rows[0];
      if (row === undefined) {
        throw new MeshError('NOT_FOUND', `user ${input.user_id} not found`, {
          data: { user_id: input.user_id },
        });
      }
      return toUser(row);
    } catch (error: unknown) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new MeshError('CONFLICT', 'a user with this email already exists', {
          data: { field: 'email' },
        });
      }
      throw error;
    } finally {
      await this.cache.delete(userCacheKey(input.user_id));
    }
  }
}
