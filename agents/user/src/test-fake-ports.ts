import { MeshError } from '@mesh/common';
import type { CallOptions, UserPorts } from './user-service.js';

interface Row {
  id: string;
  username: string;
  email: string;
  name: string;
  phone: string | null;
}

/**
 * Unit-test stand-ins for database-agent and auth-agent: a map of profiles with the same error codes
 * the real agents answer (NOT_FOUND, CONFLICT), and a log of every call.
 */
export function fakePorts() {
  const rows = new Map<string, Row>();
  const credentials = new Map<string, { username: string; password: string }>();
  const calls: { port: string; args: Record<string, unknown>; options?: CallOptions }[] = [];
  const ports: UserPorts = {
    async query(args, options) {
      calls.push({ port: 'query', args, ...(options ? { options } : {}) });
      if (args['op'] === 'user.get') {
        const row = rows.get(String(args['user_id']));
        if (row === undefined) throw new MeshError('NOT_FOUND', 'no such user');
        return { ...row };
      }
      if (args['op'] === 'user.list') {
        const all = [...rows.values()];
        const offset = Number(args['offset']);
        return { users: all.slice(offset, offset + Number(args['limit'])), total: all.length };
      }
      throw new MeshError('VALIDATION_FAILED', `unknown op ${String(args['op'])}`);
    },
    async storage(args, options) {
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
        return { ...row };
      }
      if (args['op'] === 'user.update') {
        const row = rows.get(String(args['user_id']));
        if (row === undefined) throw new MeshError('NOT_FOUND', 'no such user');
        for (const field of ['email', 'name', 'phone'] as const) {
          if (field in args) row[field] = args[field] as never;
        }
        return { ...row };
      }
      throw new MeshError('VALIDATION_FAILED', `unknown op ${String(args['op'])}`);
    },
    async registerCredentials(args, options) {
      calls.push({ port: 'auth', args, ...(options ? { options } : {}) });
      const userId = String(args['user_id']);
      const held = credentials.get(userId);
      if (held !== undefined && (held.username !== args['username'] || held.password !== args['password'])) {
        throw new MeshError('CONFLICT', 'user_id already has credentials');
      }
      credentials.set(userId, { username: String(args['username']), password: String(args['password']) });
      return { user_id: userId, created: held === undefined };
    },
  };
  return { ports, rows, credentials, calls };
}
