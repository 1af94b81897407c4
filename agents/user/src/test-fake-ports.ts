import { MeshError } from '@mesh/common';
import type { CallOptions, UserPorts } from './user-service.js';

interface Row {
  id: string;
  username: string;
  email: string;
  name: string;
  phone: string | null;
}

/** A profile as the database agent answers it: a null phone is left out. */
function answer(row: Row): Record<string, unknown> {
  const { phone, ...rest } = row;
  return phone === null ? { ...rest } : { ...rest, phone };
}

/**
 * Unit-test stand-ins for database-agent and auth-agent: a map of profiles with the same answers and error
 * codes the real agents give (NOT_FOUND, CONFLICT), and a log of every call. Written untyped, as JSON arrives;
 * the real agents' answers are checked against their contracts by the runtime.
 */
export function fakePorts() {
  const rows = new Map<string, Row>();
  const credentials = new Map<string, { username: string; password: string }>();
  const calls: { port: string; args: Record<string, unknown>; options?: CallOptions }[] = [];
  const untyped = {
    async query(args: Record<string, unknown>, options?: CallOptions) {
      calls.push({ port: 'query', args, ...(options ? { options } : {}) });
      if (args['op'] === 'user.get') {
        const row = rows.get(String(args['user_id']));
        if (row === undefined) throw new MeshError('NOT_FOUND', 'no such user');
        return answer(row);
      }
      if (args['op'] === 'user.list') {
        const all = [...rows.values()];
        const offset = Number(args['offset']);
        const limit = Number(args['limit']);
        return { users: all.slice(offset, offset + limit).map(answer), total: all.length, limit, offset };
      }
      throw new MeshError('VALIDATION_FAILED', `unknown op ${String(args['op'])}`);
    },
    async storage(args: Record<string, unknown>, options?: CallOptions) {
      calls.push({ port: 'storage', args, ...(options ? { options } : {}) });
      if (args['op'] === 'user.create') {
        const username = String(args['username']);
        const id = String(args['user_id']);
        if (rows.has(id)) throw new MeshError('CONFLICT', 'duplicate id', { data: { field: 'user_id' } });
        if ([...rows.values()].some((r) => r.username === username)) {
          throw new MeshError('CONFLICT', 'duplicate username', { data: { field: 'username' } });
        }
        const row: Row = {
          id,
          username,
          email: String(args['email']),
          name: String(args['name']),
          phone: typeof args['phone'] === 'string' ? args['phone'] : null,
        };
        rows.set(id, row);
        return answer(row);
      }
      if (args['op'] === 'user.update') {
        const row = rows.get(String(args['user_id']));
        if (row === undefined) throw new MeshError('NOT_FOUND', 'no such user');
        for (const field of ['email', 'name', 'phone'] as const) {
          if (args[field] !== undefined) row[field] = args[field] as never;
        }
        return answer(row);
      }
      throw new MeshError('VALIDATION_FAILED', `unknown op ${String(args['op'])}`);
    },
    async registerCredentials(args: Record<string, unknown>, options?: CallOptions) {
      calls.push({ port: 'auth', args, ...(options ? { options } : {}) });
      const userId = String(args['user_id']);
      const held = credentials.get(userId);
      if (held !== undefined && (held.username !== args['username'] || held.password !== args['password'])) {
        throw new MeshError('CONFLICT', 'user_id already has credentials');
      }
      credentials.set(userId, { username: String(args['username']), password: String(args['password']) });
      return {
        user_id: userId,
        username: String(args['username']),
        scopes: [],
        created: held === undefined,
      };
    },
  };
  const ports = untyped as unknown as UserPorts;
  return { ports, rows, credentials, calls };
}
