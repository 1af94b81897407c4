import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MeshError, silentLogger } from '@mesh/common';
import { authRegisterCredentials, dataQuery, dataStorage, userGet, userUpdate } from '@mesh/contracts';
import { defineAgent, type RunningAgent } from '@mesh/runtime';
import {
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForAgentUrl,
} from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfileCache, type ProfileCache } from './profile-cache.js';
import { portsFromProxies, type ProxyLike, type SagaPorts, type SagaProxies } from './saga-ports.js';

/**
 * The order agent's profile cache against the real user agent and a real Redis: a registry process, the built
 * user-agent as a process (REDIS_URL set, so its updates announce the changed profile), stand-ins for the
 * database and auth agents in this process, and the order agent's own cache and ports calling user_get.
 */
const redisUrl = realServerUrl('redis');
const userMain = fileURLToPath(new URL('../../user/dist/main.js', import.meta.url));
const logger = silentLogger();

interface Row {
  id: string;
  username: string;
  email: string;
  name: string;
}

describe.skipIf(!redisUrl)(
  'order-agent profile cache with the user agent over real Redis',
  { timeout: 30_000 },
  () => {
    // Ids of this run only: other runs on the same Redis publish on the same channel, never these keys.
    const userId = `order-cache-${randomUUID()}`;
    const rows = new Map<string, Row>();
    const database = defineAgent({ name: 'fake-database-agent' });
    database.tool({
      ...dataQuery,
      name: 'data_query',
      handler: (args) => {
        if (args.op !== 'user.get') throw new MeshError('BAD_REQUEST', `unexpected ${args.op}`);
        const row = rows.get(args.user_id);
        if (row === undefined) throw new MeshError('NOT_FOUND', `user ${args.user_id} not found`);
        return row;
      },
    });
    database.tool({
      ...dataStorage,
      name: 'data_storage',
      handler: (args) => {
        if (args.op !== 'user.update') throw new MeshError('BAD_REQUEST', `unexpected ${args.op}`);
        const row = rows.get(args.user_id);
        if (row === undefined) throw new MeshError('NOT_FOUND', `user ${args.user_id} not found`);
        if (args.email !== undefined) row.email = args.email;
        if (args.name !== undefined) row.name = args.name;
        return { ...row };
      },
    });
    const auth = defineAgent({ name: 'fake-auth-agent' });
    // Required by user-agent's user_create; this test creates no users.
    auth.tool({
      ...authRegisterCredentials,
      name: 'auth_register_credentials',
      handler: (args) => ({ user_id: args.user_id, username: args.username, scopes: [], created: true }),
    });
    const order = defineAgent({ name: 'order-cache-test' });
    const deps = order.consumer({
      user: { contract: userGet, timeoutMs: 3_000, retries: 1 },
      update: { contract: userUpdate, timeoutMs: 3_000 },
    });
    const running: RunningAgent[] = [];
    let profiles: ProfileCache;
    let ports: SagaPorts;
    let userGets = 0;

    beforeAll(async () => {
      if (!existsSync(userMain))
        throw new Error(`${userMain} is missing: build first (pnpm turbo run build)`);
      rows.set(userId, { id: userId, username: 'cached', email: 'old@example.com', name: 'Cached' });
      const { url: registryUrl } = await startRegistryProcess();
      const mesh = { registryUrl, healthIntervalMs: 500 };
      running.push(await database.start({ app: undefined, mesh, logger }));
      running.push(await auth.start({ app: undefined, mesh, logger }));
      const userAgent = startNode(userMain, [], {
        env: {
          MCP_MESH_REGISTRY_URL: registryUrl,
          MCP_MESH_HTTP_PORT: '0',
          MCP_MESH_HEALTH_INTERVAL: '1s',
          USER_CACHE_TTL: '60s',
          REDIS_URL: redisUrl,
          REDIS_HOST: undefined,
          CACHE_HOST: undefined,
        },
      });
      await waitForAgentUrl(userAgent, 20_000);
      running.push(await order.start({ app: undefined, mesh, logger }));
      await waitFor(async () => (deps.user.available && deps.update.available ? true : undefined), {
        timeoutMs: 15_000,
        description: 'user-agent resolved',
      });
      profiles = createProfileCache({ redisUrl, ttlMs: 300_000, logger })!;
      const counting: ProxyLike = {
        get available() {
          return deps.user.available;
        },
        call: (args, opts) => {
          userGets += 1;
          return deps.user.call(args as { user_id: string }, opts) as Promise<never>;
        },
      };
      const unused: ProxyLike = { available: false, call: () => Promise.reject(new Error('not used')) };
      const proxies: SagaProxies = {
        quote: unused,
        user: counting,
        reserve: unused,
        release: unused,
        commit: unused,
        pay: unused,
        refund: unused,
        email: unused,
        sms: unused,
        analytics: unused,
      };
      ports = portsFromProxies(proxies, { profiles });
    }, 60_000);

    afterAll(async () => {
      await profiles?.cache.close();
      for (const agent of running.reverse()) await agent.stop();
      await stopAllProcesses();
    });

    it('serves a repeat lookup from memory, and asks again once the user agent announces an update', async () => {
      const step = { timeoutMs: 3_000 };
      // The subscription comes up in the background; until it stands every lookup misses.
      await waitFor(
        async () => {
          const before = userGets;
          await ports.getUser(userId, step);
          return userGets === before ? true : undefined;
        },
        { timeoutMs: 10_000, description: 'profile cache subscribed and holding the profile' },
      );
      const cachedGets = userGets;
      await expect(ports.getUser(userId, step)).resolves.toMatchObject({ email: 'old@example.com' });
      expect(userGets).toBe(cachedGets);

      await deps.update.call({ user_id: userId, email: 'new@example.com' });
      // The announcement travels through Redis; it is published before user_update answers.
      const fresh = await waitFor(
        async () => {
          const user = await ports.getUser(userId, step);
          return user.email === 'new@example.com' ? user : undefined;
        },
        { timeoutMs: 5_000, description: 'the updated profile' },
      );
      expect(fresh).toMatchObject({ id: userId, email: 'new@example.com' });
      expect(userGets).toBe(cachedGets + 1);
      await ports.getUser(userId, step);
      expect(userGets).toBe(cachedGets + 1);
    });
  },
);
