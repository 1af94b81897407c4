import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isProcessAlive } from '@mesh/common';
import { fileURLToPath } from 'node:url';
import { freePort, startNode, waitFor } from '@mesh/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';

describe('startEmbeddedPostgres', () => {
  it('initialises a data dir, accepts pg connections, and reuses the dir after a restart (commits not waiting for the flush)', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'mesh-embedded-pg-'));
    // mkdtemp makes a private (0700) directory; as root the server runs as another user who must get through.
    await chmod(parent, 0o755);
    const dataDir = join(parent, 'nested', 'data');
    try {
      const port = await freePort();
      const first = await startEmbeddedPostgres({ dataDir, port });
      expect(first.initialised).toBe(true);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      await client.end();
      await first.stop();

      const second = await startEmbeddedPostgres({ dataDir, port });
      try {
        expect(second.initialised).toBe(false);
        const again = new pg.Client({ connectionString: second.socketUrl });
        await again.connect();
        // Through the private Unix socket; TCP on loopback stays.
        expect(statSync(second.socketDir).mode & 0o777).toBe(0o700);
        expect(second.socketDir.startsWith(dataDir)).toBe(true);
        const address = await again.query<{ address: string | null }>('SELECT inet_server_addr() AS address');
        expect(address.rows[0]?.address).toBeNull();
        const tcp = new pg.Client({ connectionString: second.url });
        await tcp.connect();
        const tcpAddress = await tcp.query<{ address: string | null }>(
          'SELECT inet_server_addr() AS address',
        );
        await tcp.end();
        expect(tcpAddress.rows[0]?.address).toBe('127.0.0.1');
        const result = await again.query<{ n: number }>('SELECT n FROM kept');
        const commit = await again.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
        await again.end();
        expect(result.rows).toEqual([{ n: 42 }]);
        // A development database: commits do not wait for their WAL flush.
        expect(commit.rows[0]?.synchronous_commit).toBe('off');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('embedded-postgres-cli', () => {
  it('initialises, starts in the foreground with a JSON ready line, and stops cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../dist/embedded-postgres-cli.js', import.meta.url));
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build @mesh/backends first`);
    const parent = await mkdtemp(join(tmpdir(), 'mesh-embedded-cli-'));
    await chmod(parent, 0o755);
    const dataDir = join(parent, 'data');
    try {
      const port = await freePort();
      const init = startNode(cli, ['init', '--data-dir', dataDir, '--port', String(port), '--quiet']);
      expect(await init.exited).toBe(0);
      expect(JSON.parse(init.output().trim())).toMatchObject({ event: 'initialised', initialised: true });

      const readyFile = join(parent, 'run', 'postgres.json');
      const server = startNode(cli, [
        'start',
        '--data-dir',
        dataDir,
        '--port',
        String(port),
        '--ready-file',
        readyFile,
      ]);
      const ready = await waitFor(async () => readyJson(readyFile), {
        timeoutMs: 20_000,
        description: 'the ready file',
      });
      expect(ready.initialised).toBe(false);
      expect(statSync(readyFile).mode & 0o777).toBe(0o600);
      // stdout (a log, usually) names the server but never its password.
      await waitFor(async () => (server.output().includes('"event":"ready"') ? true : undefined), {
        timeoutMs: 5000,
      });
      expect(server.output()).toContain('postgres://postgres:***@127.0.0.1');
      expect(server.output()).not.toContain('postgres:postgres@');
      const client = new pg.Client({ connectionString: ready.url });
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();

      expect(await server.stop()).toBe(0);
      expect(server.output()).toContain('PostgreSQL stopped');
      const after = new pg.Client({ connectionString: ready.url, connectionTimeoutMillis: 2000 });
      await expect(after.connect()).rejects.toThrow();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`stops the server and exits when its server_pid gets ${signal}`, async () => {
      const cli = fileURLToPath(new URL('../dist/embedded-postgres-cli.js', import.meta.url));
      const parent = await mkdtemp(join(tmpdir(), 'mesh-embedded-kill-'));
      await chmod(parent, 0o755);
      const readyFile = join(parent, 'ready.json');
      try {
        const port = await freePort();
        const args = ['start', '--data-dir', join(parent, 'data'), '--port', String(port)];
        const server = startNode(cli, [...args, '--ready-file', readyFile]);
        const ready = await waitFor(async () => readyJson(readyFile), { timeoutMs: 40_000 });
        expect(ready.server_pid).not.toBe(ready.pid);
        process.kill(ready.server_pid, signal);
        expect(await server.exited).toBe(1);
        await waitFor(async () => (isProcessAlive(ready.server_pid) ? undefined : true), {
          timeoutMs: 10_000,
        });
        const after = new pg.Client({ connectionString: ready.url, connectionTimeoutMillis: 2000 });
        await expect(after.connect()).rejects.toThrow();
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    }, 60_000);
  }
});

interface ReadyJson {
  url: string;
  pid: number;
  server_pid: number;
  initialised: boolean;
}

function readyJson(file: string): ReadyJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReadyJson;
  } catch {
    return undefined;
  }
}
