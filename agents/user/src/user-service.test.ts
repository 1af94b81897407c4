import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryCache, NearCache, type InvalidationChannel } from '@mesh/backends';
import { isMeshError, validateInput } from '@mesh/common';
import { userProfileCacheKey } from '@mesh/contracts';
import { createUserInput, listUsersInput, updateUserInput } from './schemas.js';
import { fakePorts } from './test-fake-ports.js';
import { UserService } from './user-service.js';

let clock = 0;
let service: UserService;
let fake: ReturnType<typeof fakePorts>;

beforeEach(() => {
  clock = Date.UTC(2026, 0, 1);
  service = new UserService({
    cache: new MemoryCache({ prefix: 'u:', maxEntries: 100, now: () => clock }),
    cacheTtlMs: 10_000,
  });
  fake = fakePorts();
  fake.rows.set('user-1', {
    id: 'user-1',
    username: 'user-1',
    email: 'user-1@example.com',
    name: 'User One',
    phone: null,
  });
});

const reads = () => fake.calls.filter((c) => c.port === 'query' && c.args['op'] === 'user.get').length;

describe('user service', () => {
  it('reads a user through data_query, without a phone the profile lacks', async () => {
    await expect(service.get(fake.ports, 'user-1')).resolves.toEqual({
      id: 'user-1',
      username: 'user-1',
      email: 'user-1@example.com',
      name: 'User One',
    });
    expect(fake.calls[0]?.args).toEqual({ op: 'user.get', user_id: 'user-1' });
  });

  it('answers NOT_FOUND for an unknown user', async () => {
    await expect(service.get(fake.ports, 'user-404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('serves repeated reads from cache until the TTL passes', async () => {
    await service.get(fake.ports, 'user-1');
    await service.get(fake.ports, 'user-1');
    expect(reads()).toBe(1);
    clock += 10_001;
    await service.get(fake.ports, 'user-1');
    expect(reads()).toBe(2);
  });

  it('invalidates the cached user on update', async () => {
    await service.get(fake.ports, 'user-1');
    const updated = await service.update(fake.ports, {
      user_id: 'user-1',
      name: 'Renamed',
      phone: '+1 555 0100',
    });
    expect(updated).toMatchObject({ name: 'Renamed', phone: '+1 555 0100' });
    await expect(service.get(fake.ports, 'user-1')).resolves.toMatchObject({ name: 'Renamed' });
  });

  it('serves a hot profile from memory in every replica until any replica updates it', async () => {
    // Three replicas whose caches share one invalidation channel (Redis pub/sub in production).
    const subscribers: Parameters<InvalidationChannel['subscribe']>[0][] = [];
    const channel: InvalidationChannel = {
      live: true,
      publish: async (keys) => subscribers.forEach((subscriber) => subscriber.onKeys(keys)),
      subscribe: async (handlers) => void subscribers.push(handlers),
      close: async () => undefined,
    };
    const replicas = await Promise.all(
      [1, 2, 3].map(async () => {
        const cache = new NearCache({ channel, maxEntries: 100 });
        await cache.start();
        return new UserService({ cache, cacheTtlMs: 300_000 });
      }),
    );
    for (let round = 0; round < 5; round++) {
      for (const replica of replicas) await replica.get(fake.ports, 'user-1');
    }
    expect(reads()).toBe(3);
    await replicas[1]!.update(fake.ports, { user_id: 'user-1', name: 'Renamed' });
    for (const replica of replicas) {
      await expect(replica.get(fake.ports, 'user-1')).resolves.toMatchObject({ name: 'Renamed' });
    }
    expect(reads()).toBe(6);
  });

  it('announces the shared profile key on every write, so other processes caching profiles drop it', async () => {
    const published: string[] = [];
    const channel: InvalidationChannel = {
      live: true,
      publish: async (keys) => void published.push(...keys),
      subscribe: async () => undefined,
      close: async () => undefined,
    };
    const announcing = new UserService({
      cache: new NearCache({ channel, maxEntries: 10 }),
      cacheTtlMs: 60_000,
    });
    await announcing.update(fake.ports, { user_id: 'user-1', email: 'new@example.com' });
    const failing = { ...fake.ports, storage: async () => Promise.reject(new Error('timeout')) };
    await expect(announcing.update(failing, { user_id: 'user-1', name: 'X' })).rejects.toThrow('timeout');
    const created = await announcing.create(fake.ports, {
      username: 'newcomer',
      email: 'newcomer@example.com',
      name: 'New Comer',
      password: 'pw-1234',
    });
    expect(published).toEqual([
      userProfileCacheKey('user-1'),
      userProfileCacheKey('user-1'),
      userProfileCacheKey(created.id),
    ]);
  });

  it('invalidates the cache even when the update fails midway', async () => {
    await service.get(fake.ports, 'user-1');
    const failing = { ...fake.ports, storage: async () => Promise.reject(new Error('timeout')) };
    await expect(service.update(failing, { user_id: 'user-1', name: 'X' })).rejects.toThrow('timeout');
    await service.get(fake.ports, 'user-1');
    expect(reads()).toBe(2);
  });

  it('answers NOT_FOUND when updating an unknown user and VALIDATION_FAILED with nothing to change', async () => {
    await expect(service.update(fake.ports, { user_id: 'nobody', name: 'X' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.update(fake.ports, { user_id: 'user-1' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('creates the profile, then the credentials, with the user id as idempotency key', async () => {
    const user = await service.create(fake.ports, {
      username: 'newbie',
      email: 'n@example.com',
      name: 'New Bie',
      password: 'pw-1234',
    });
    expect(user.id).toMatch(/^user-[0-9a-f-]{36}$/);
    expect(fake.calls.map((c) => c.port)).toEqual(['storage', 'auth']);
    expect(fake.calls[1]?.args).toEqual({ user_id: user.id, username: 'newbie', password: 'pw-1234' });
    expect(fake.calls.every((c) => c.options?.idempotencyKey === user.id)).toBe(true);
    await expect(service.get(fake.ports, user.id)).resolves.toEqual(user);
  });

  it('answers CONFLICT for a duplicate username and registers no credentials', async () => {
    const input = { username: 'user-1', email: 'x@example.com', name: 'X', password: 'pw-1234' };
    await expect(service.create(fake.ports, input)).rejects.toMatchObject({
      code: 'CONFLICT',
      data: { field: 'username' },
    });
    expect(fake.credentials.size).toBe(0);
  });

  it('finishes a half-done creation when retried with the same user id', async () => {
    const input = {
      user_id: 'user-500',
      username: 'retry',
      email: 'r@example.com',
      name: 'R',
      password: 'pw-1234',
    };
    const flaky = { ...fake.ports, registerCredentials: async () => Promise.reject(new Error('auth down')) };
    await expect(service.create(flaky, input)).rejects.toThrow('auth down');
    expect(fake.rows.has('user-500')).toBe(true);
    await expect(service.create(fake.ports, input)).resolves.toMatchObject({
      id: 'user-500',
      username: 'retry',
    });
    expect(fake.credentials.get('user-500')).toEqual({ username: 'retry', password: 'pw-1234' });
  });

  it('derives the new user id from the idempotency key, so a retry without user_id finishes the same user', async () => {
    const input = { username: 'keyed', email: 'k@example.com', name: 'K', password: 'pw-1234' };
    const flaky = { ...fake.ports, registerCredentials: async () => Promise.reject(new Error('auth down')) };
    await expect(service.create(flaky, input, 'order-form-1')).rejects.toThrow('auth down');
    const user = await service.create(fake.ports, input, 'order-form-1');
    expect(fake.rows.size).toBe(2);
    expect(fake.credentials.get(user.id)).toMatchObject({ username: 'keyed' });
    await expect(
      service.create(fake.ports, { ...input, username: 'other' }, 'order-form-2'),
    ).resolves.not.toEqual(expect.objectContaining({ id: user.id }));
  });

  it('lists users with paging and the total', async () => {
    fake.rows.set('user-2', {
      id: 'user-2',
      username: 'user-2',
      email: 'b@example.com',
      name: 'B',
      phone: '+15550100',
    });
    const page = await service.list(fake.ports, { limit: 1, offset: 1 });
    expect(page).toEqual({
      users: [{ id: 'user-2', username: 'user-2', email: 'b@example.com', name: 'B', phone: '+15550100' }],
      limit: 1,
      offset: 1,
      total: 2,
    });
  });
});

describe('input validation', () => {
  it('rejects a bad email, username and password in one VALIDATION_FAILED error', () => {
    try {
      validateInput(createUserInput, { username: 'a b', email: 'not-an-email', name: 'X', password: 'x' });
      expect.unreachable();
    } catch (error: unknown) {
      expect(isMeshError(error, 'VALIDATION_FAILED')).toBe(true);
      expect(error).toMatchObject({ message: expect.stringMatching(/username.*email.*password/) });
    }
  });

  it('applies list defaults and bounds', () => {
    expect(validateInput(listUsersInput, {})).toEqual({ limit: 20, offset: 0 });
    expect(() => validateInput(listUsersInput, { limit: 1000 })).toThrow(/limit/);
    expect(() => validateInput(updateUserInput, { user_id: 'u', phone: 'call me' })).toThrow(/phone/);
    expect(validateInput(updateUserInput, { user_id: 'u', phone: null })).toEqual({
      user_id: 'u',
      phone: null,
    });
  });
});
