import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  freePort,
  officialMeshBinary,
  startNode,
  startProcess,
  waitForHttp,
} from '@mesh/testkit';
import type { StartedProcess } from '@mesh/testkit';

/** A registry under test, started on loopback. */
export interface Target {
  readonly label: string;
  readonly url: string;
  /** The registry's process (settled before each phase). */
  readonly pid: number;
  stop(): Promise<void>;
}

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../main.js');

async function ready(
  label: string,
  url: string,
  child: StartedProcess,
  cleanup: () => Promise<void>,
): Promise<Target> {
  try {
    await waitForHttp(`${url}/health`, { status: 200, timeoutMs: 20_000 });
  } catch (error: unknown) {
    await child.stop();
    await cleanup();
    throw new Error(`${label} did not start: ${String(error)}\n${child.output()}`);
  }
  return {
    label,
    url,
    pid: child.pid,
    async stop() {
      await child.stop();
      await cleanup();
    },
  };
}

/** Our registry (`node dist/main.js`), in memory or on a fresh PostgreSQL database. */
export async function startOurs(postgresAdminUrl?: string): Promise<Target> {
  const port = await freePort();
  const db =
    postgresAdminUrl === undefined ? undefined : await createTestDatabase(postgresAdminUrl, 'registry_bench');
  const child = startNode(MAIN, [], {
    env: {
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(port),
      MCP_MESH_LOG_LEVEL: 'warn',
      // Health expiry is not what is measured: keep agents healthy however slowly a phase cycles through them.
      DEFAULT_TIMEOUT_THRESHOLD: '300s',
      EVICTION_THRESHOLD: '600s',
      ...(db === undefined ? {} : { DATABASE_URL: db.url, DB_POOL_MAX: '10' }),
    },
  });
  const label = db === undefined ? 'ours (memory)' : 'ours (PostgreSQL)';
  return ready(label, `http://127.0.0.1:${port}`, child, async () => {
    await db?.drop();
  });
}

/** The official `mcp-mesh-registry` on loopback with SQLite in a temp dir. */
export async function startOfficial(): Promise<Target | undefined> {
  const binary = officialMeshBinary('mcp-mesh-registry');
  if (binary === undefined) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'official-registry-'));
  const child = startProcess(binary, ['--host', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: {
      DATABASE_URL: join(dir, 'registry.db'),
      MCP_MESH_LOG_LEVEL: 'ERROR',
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    maxOutputChars: 20_000,
  });
  return ready('official (SQLite)', `http://127.0.0.1:${port}`, child, async () => {
    rmSync(dir, { recursive: true, force: true });
  });
}
