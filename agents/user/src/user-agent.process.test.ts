import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { authRegisterCredentials, dataQuery, dataStorage } from '@mesh/contracts';
import { defineAgent, isMeshError, type RunningAgent } from '@mesh/runtime';
import {
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForAgentUrl,
  type StartedProcess,
} from '@mesh/testkit';
import { fakePorts } from './test-fake-ports.js';

const userMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const logger = silentLogger();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (isMeshError(error) ? error.code : `not a MeshError: ${String(error)}`),
  );
}

/**
 * user-agent as a real process between a real registry process and, in this test process, stand-in
 * providers of data_query/data_storage (database-agent) and auth_register_credentials (auth-agent).
 */
describe('user-agent: registry, user-agent and fake providers on loopback', { timeout: 20_000 }, () => {
  const fake = fakePorts();
  // The stand-ins serve the real contracts, so user-agent checks their answers as it checks the agents'.
  const provider = defineAgent({ name: 'fake-database-agent' });
  provider.tool({ ...dataQuery, name: 'data_query', handler: (args) => fake.ports.query(args) });
  provider.tool({ ...dataStorage, name: 'data_storage', handler: (args) => fake.ports.storage(args) });
  const auth = defineAgent({ name: 'fake-auth-agent' });
  auth.tool({
    ...authRegisterCredentials,
    name: 'auth_register_credentials',
    handler: (args) => fake.ports.registerCredentials(args),
  });
  const client = defineAgent({ name: 'user-test-client' });
  const users = client.consumer({
    get: 'user_get',
    create: 'user_create',
    update: 'user_update',
    list: 'user_list',
  });
  const running: RunningAgent[] = [];
  let userAgent: StartedProcess;

  beforeAll(async () => {
    if (!existsSync(userMain)) throw new Error(`${userMain} is missing: build first (pnpm turbo run build)`);
    fake.rows.set('user-1', {
      id: 'user-1',
      username: 'user-1',
      email: 'u1@example.com',
      name: 'One',
      phone: null,
    });
    const { url: registryUrl } = await startRegistryProcess();
    const mesh = { registryUrl, healthIntervalMs: 500 };
    running.push(await provider.start({ app: undefined, mesh, logger }));
    running.push(await auth.start({ app: undefined, mesh, logger }));
    userAgent = startNode(userMain, [], {
      env: {
        MCP_MESH_REGISTRY_URL: registryUrl,
        MCP_MESH_HTTP_PORT: '0',
        MCP_MESH_HEALTH_INTERVAL: '1s',
        USER_CACHE_TTL: '60s',
        REDIS_URL: undefined,
        REDIS_HOST: undefined,
        CACHE_HOST: undefined,
      },
    });
    // Ready only once every required dependency (the fake providers above) has a provider.
    await waitForAgentUrl(userAgent, 20_000);
    running.push(await client.start({ app: undefined, mesh, logger }));
    await waitFor(async () => (users.get.available && users.create.available ? true : undefined), {
      timeoutMs: 15_000,
      description: 'user-agent resolved',
    });
  }, 60_000);

  afterAll(async () => {
    for (const agent of running.reverse()) await agent.stop();
    await stopAllProcesses();
  });

  const reads = (userId: string) =>
    fake.calls.filter((c) => c.args['op'] === 'user.get' && c.args['user_id'] === userId).length;

  it('gets a user through data_query and caches it', async () => {
    await expect(users.get.call({ user_id: 'user-1' })).resolves.toEqual({
      id: 'user-1',
      username: 'user-1',
      email: 'u1@example.com',
      name: 'One',
    });
    await users.get.call({ user_id: 'user-1' });
    expect(reads('user-1')).toBe(1);
  });

  it('answers NOT_FOUND for an unknown user', async () => {
    expect(await codeOf(users.get.call({ user_id: 'user-404' }))).toBe('NOT_FOUND');
  });

  it('drops the cached user when it is updated through the agent', async () => {
    await users.get.call({ user_id: 'user-1' });
    await expect(users.update.call({ user_id: 'user-1', name: 'Renamed' })).resolves.toMatchObject({
      name: 'Renamed',
    });
    await expect(users.get.call({ user_id: 'user-1' })).resolves.toMatchObject({ name: 'Renamed' });
  });

  it('creates the profile and the credentials', async () => {
    const created = await users.create.call<{ id: string }>({
      username: 'newcomer',
      email: 'new@example.com',
      name: 'New Comer',
      password: 'pw-1234',
    });
    expect(fake.rows.get(created.id)).toMatchObject({ username: 'newcomer' });
    expect(fake.credentials.get(created.id)).toEqual({ username: 'newcomer', password: 'pw-1234' });
  });

  it('answers CONFLICT for a duplicate username and VALIDATION_FAILED for bad input', async () => {
    const duplicate = { username: 'user-1', email: 'x@example.com', name: 'X', password: 'pw-1234' };
    expect(await codeOf(users.create.call(duplicate))).toBe('CONFLICT');
    expect(await codeOf(users.create.call({ ...duplicate, username: 'fresh', email: 'nope' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await codeOf(users.update.call({ user_id: 'user-1' }))).toBe('VALIDATION_FAILED');
  });

  it('lists users with paging', async () => {
    const page = await users.list.call<{ users: { id: string }[]; total: number; limit: number }>({
      limit: 1,
    });
    expect(page).toMatchObject({ limit: 1, offset: 0, total: fake.rows.size });
    expect(page.users).toHaveLength(1);
  });
});
