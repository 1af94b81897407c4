import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { defineAgent, isMeshError, type RunningAgent } from '@mesh/runtime';
import {
  createTestDatabase,
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForAgentUrl,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';

const postgresUrl = realServerUrl('postgres');
const authMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface ToolResult {
  structuredContent?: Record<string, unknown>;
  content: { text: string }[];
  isError?: boolean;
}

/** One MCP tools/call straight to a replica, so the test picks which replica answers. */
async function callTool(baseUrl: string, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: ToolResult; error?: unknown };
  if (body.result === undefined) throw new Error(`tools/call ${name} failed: ${JSON.stringify(body.error)}`);
  return body.result;
}

function errorCode(result: ToolResult): string | undefined {
  if (!result.isError) return undefined;
  const parsed = JSON.parse(result.content[0]?.text ?? '{}') as { error?: { code?: string } };
  return parsed.error?.code;
}

describe.skipIf(!postgresUrl)(
  'auth-agent: registry and two replicas as processes on loopback',
  { timeout: 20_000 },
  () => {
    let database: TestDatabase;
    let registryUrl: string;
    const replicas: { url: string; process: StartedProcess }[] = [];
    let client: RunningAgent | undefined;
    const consumer = defineAgent({ name: 'auth-test-client' });
    const deps = consumer.consumer({
      login: { capability: 'auth_login', timeoutMs: 5000 },
      verify: { capability: 'auth_verify_token', timeoutMs: 5000, idempotent: true },
    });

    beforeAll(async () => {
      if (!existsSync(authMain))
        throw new Error(`${authMain} is missing: build first (pnpm turbo run build)`);
      database = await createTestDatabase(postgresUrl!, 'auth');
      registryUrl = (await startRegistryProcess()).url;
      // Both replicas start at once on an empty auth_db: migrations, signing keys and seeding must not race.
      // Seeding hashes 101 passwords (~3 s idle on 2 cores, 20+ s on a loaded machine), hence the long waits.
      const processes = [0, 1].map(() =>
        startNode(authMain, [], {
          env: {
            DATABASE_URL: database.url,
            REDIS_URL: undefined,
            REDIS_HOST: undefined,
            MCP_MESH_REGISTRY_URL: registryUrl,
            MCP_MESH_HTTP_PORT: '0',
            MCP_MESH_HEALTH_INTERVAL: '1s',
            MCP_MESH_LOG_LEVEL: 'INFO',
          },
        }),
      );
      for (const process of processes)
        replicas.push({ url: await waitForAgentUrl(process, 80_000), process });
      client = await consumer.start({
        app: undefined,
        mesh: { registryUrl, healthIntervalMs: 500 },
        logger: silentLogger(),
      });
    }, 100_000);

    afterAll(async () => {
      await client?.stop();
      await stopAllProcesses();
      await database?.drop();
    });

    it('seeds the demo credentials once between the two replicas', () => {
      const seeded = replicas.map((replica) => {
        const line = replica.process
          .output()
          .split('\n')
          .find((text) => text.includes('"demo credentials'));
        return JSON.parse(line ?? '{}') as { created?: number; durationMs?: number };
      });
      expect(seeded.map((s) => s.created).sort()).toEqual([0, 101]);
    });

    it('logs in on one replica and verifies the token on the other', async () => {
      const [a, b] = [replicas[0]!.url, replicas[1]!.url];
      const login = await callTool(a, 'auth_login', { username: 'user-42', password: 'demo' });
      expect(login.structuredContent).toMatchObject({ token_type: 'Bearer', user_id: 'user-42' });
      const token = login.structuredContent?.['access_token'] as string;
      const verified = await callTool(b, 'auth_verify_token', { token, scope: 'orders:write' });
      expect(verified.structuredContent).toMatchObject({ valid: true, user_id: 'user-42' });
      expect(errorCode(await callTool(b, 'auth_verify_token', { token, scope: 'users:write' }))).toBe(
        'FORBIDDEN',
      );
    });

    it('honours a revocation made on the other replica', async () => {
      const [a, b] = [replicas[0]!.url, replicas[1]!.url];
      const login = await callTool(b, 'auth_login', { username: 'user-7', password: 'demo' });
      const token = login.structuredContent?.['access_token'] as string;
      expect((await callTool(a, 'auth_revoke_token', { token })).structuredContent).toMatchObject({
        revoked: true,
      });
      expect(errorCode(await callTool(b, 'auth_verify_token', { token }))).toBe('UNAUTHORIZED');
    });

    it('rejects a wrong password with UNAUTHORIZED', async () => {
      const result = await callTool(replicas[1]!.url, 'auth_login', { username: 'user-1', password: 'nope' });
      expect(errorCode(result)).toBe('UNAUTHORIZED');
    });

    it('is reachable through the mesh by capability, across both replicas', async () => {
      await waitFor(async () => (deps.verify.providers === 2 && deps.login.available ? true : undefined), {
        timeoutMs: 15_000,
        description: 'both auth replicas resolved',
      });
      const login = await deps.login.call<{ access_token: string }>({ username: 'user-9', password: 'demo' });
      for (let i = 0; i < 4; i += 1) {
        await expect(deps.verify.call({ token: login.access_token })).resolves.toMatchObject({
          user_id: 'user-9',
        });
      }
      const failure = await deps.verify.call({ token: 'x'.repeat(20) }).catch((error: unknown) => error);
      expect(isMeshError(failure, 'UNAUTHORIZED')).toBe(true);
    }, 30_000);
  },
);
