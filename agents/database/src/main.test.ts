import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  realServerUrl,
  startNode,
  stopAllProcesses,
  waitForHttp,
  type StartedProcess,
} from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Two database-agent processes started together on a server without business_db: one creates it, migrations
 * and demo data apply once, and (with Redis) a write through one replica invalidates the other's cache.
 */
const postgresUrl = realServerUrl('postgres');
const redisUrl = realServerUrl('redis');
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

async function callTool(
  baseUrl: string,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: { isError?: boolean; content: { text: string }[] } };
  const parsed = JSON.parse(body.result?.content[0]?.text ?? 'null') as Record<string, unknown>;
  if (body.result?.isError !== false && body.result?.isError !== undefined)
    throw new Error(JSON.stringify(parsed));
  return parsed;
}

/** The server URL without a database name: the agent creates `DB_NAME` there. */
function serverUrl(): string {
  const url = new URL(postgresUrl!);
  url.pathname = '';
  return url.toString();
}

/** Starts one database-agent process on `databaseName` and waits until /health answers (created, migrated). */
async function startAgent(
  databaseName: string,
  registryUrl: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ process: StartedProcess; url: string }> {
  if (!existsSync(main)) throw new Error(`${main} is missing: build @mesh/agent-database first`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: serverUrl(),
    DB_NAME: databaseName,
    MCP_MESH_REGISTRY_URL: registryUrl,
    MCP_MESH_HTTP_PORT: String(port),
    MCP_MESH_LOG_LEVEL: 'ERROR',
    ...extraEnv,
  };
  return { process: startNode(main, [], { env }), url: `http://127.0.0.1:${port}` };
}

/** A client on the test's own database (same server as MESH_TEST_POSTGRES_URL). */
async function connectTo(databaseName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresUrl!.replace(/\/[^/]*$/, `/${databaseName}`) });
  await client.connect();
  return client;
}

async function dropDatabase(admin: pg.Client | undefined, databaseName: string): Promise<void> {
  await admin?.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin?.end();
}

async function awaitHealthy(agent: { process: StartedProcess; url: string }): Promise<void> {
  // /health answers once the database is created, migrated and (when asked for) seeded.
  await waitForHttp(`${agent.url}/health`, { timeoutMs: 30_000, status: 200 }).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${agent.process.output()}`);
  });
}

describe.skipIf(!postgresUrl)('database-agent processes (real PostgreSQL)', () => {
  const databaseName = `business_${randomBytes(5).toString('hex')}`;
  const replicas: { process: StartedProcess; url: string }[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const unusedRegistry = `http://127.0.0.1:${await freePort()}`;
    const cache = { REDIS_URL: redisUrl, CACHE_PREFIX: `test:${databaseName}:` };
    // Both start before either is waited for, so they race to create the database and apply the migrations.
    for (let i = 0; i < 2; i += 1) replicas.push(await startAgent(databaseName, unusedRegistry, cache));
    for (const replica of replicas) await awaitHealthy(replica);
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    await dropDatabase(admin, databaseName);
  }, 30_000);

  it('creates business_db once and seeds demo data exactly once', async () => {
    const client = await connectTo(databaseName);
    try {
      const counts = await client.query<{ users: string; skus: string; seeds: string }>(
        `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM stock) AS skus,
                (SELECT count(*) FROM mesh_schema_migrations WHERE migration_set = 'database-agent-demo-data') AS seeds`,
      );
      expect(counts.rows[0]).toEqual({ users: '100', skus: '20', seeds: '1' });
    } finally {
      await client.end();
    }
  });

  it.skipIf(!redisUrl)('invalidates a cached user on every replica after a write through one', async () => {
    const [a, b] = replicas;
    expect(await callTool(a!.url, 'data_query', { op: 'user.get', user_id: 'user-5' })).toMatchObject({
      name: 'Demo User 5',
    });
    await callTool(b!.url, 'data_storage', { op: 'user.update', user_id: 'user-5', name: 'Renamed Five' });
    expect(await callTool(a!.url, 'data_query', { op: 'user.get', user_id: 'user-5' })).toMatchObject({
      name: 'Renamed Five',
    });
  });

  it('stops with exit code 0 on SIGTERM', async () => {
    for (const replica of replicas) expect(await replica.process.stop()).toBe(0);
  });
});

describe.skipIf(!postgresUrl)('database-agent process with DEMO_DATA=false (real PostgreSQL)', () => {
  const databaseName = `business_${randomBytes(5).toString('hex')}`;
  let agent: { process: StartedProcess; url: string };
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    agent = await startAgent(databaseName, `http://127.0.0.1:${await freePort()}`, { DEMO_DATA: 'false' });
    await awaitHealthy(agent);
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    await dropDatabase(admin, databaseName);
  }, 30_000);

  it('creates and migrates business_db but seeds no demo users or stock', async () => {
    const client = await connectTo(databaseName);
    try {
      const counts = await client.query<{ users: string; skus: string; migrations: string; seeds: string }>(
        `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM stock) AS skus,
                (SELECT count(*) FROM mesh_schema_migrations WHERE migration_set = 'database-agent') AS migrations,
                (SELECT count(*) FROM mesh_schema_migrations WHERE migration_set = 'database-agent-demo-data') AS seeds`,
      );
      expect(counts.rows[0]).toMatchObject({ users: '0', skus: '0', seeds: '0' });
      expect(Number(counts.rows[0]?.migrations)).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it('answers NOT_FOUND for a demo user', async () => {
    const error = await callTool(agent.url, 'data_query', { op: 'user.get', user_id: 'user-5' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(JSON.parse((error as Error).message)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
