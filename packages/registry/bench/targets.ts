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

/**
 * Health expiry is not what is measured: every registry keeps agents healthy for this long without a heartbeat,
 * however slowly a phase cycles through them. With its default (20 s) the official registry, which takes about
 * 30 s to register 1,000 agents at its full-heartbeat rate, had expired most of them before its HEAD phases.
 */
export const HEALTH_TIMEOUT_S = 900;
const EVICTION_S = 2 * HEALTH_TIMEOUT_S;

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
      DEFAULT_TIMEOUT_THRESHOLD: `${HEALTH_TIMEOUT_S}s`,
      EVICTION_THRESHOLD: `${EVICTION_S}s`,
      ...(db === undefined ? {} : { DATABASE_URL: db.url, DB_POOL_MAX: '10' }),
    },
  });
  const label = db === undefined ? 'ours (memory)' : 'ours (PostgreSQL)';
  return ready(label, `http://127.0.0.1:${port}`, child, async () => {
    await db?.drop();
  });
}

/** A connection URL the official registry's PostgreSQL driver takes (it asks for TLS unless told not to). */
function withoutTls(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('sslmode', 'disable');
  return parsed.toString();
}

/**
 * The official `mcp-mesh-registry` on loopback: SQLite in a temp dir, or a fresh PostgreSQL database (its
 * `DATABASE_URL=postgresql://…` mode), so ours and the official compare on the same store.
 */
export async function startOfficial(postgresAdminUrl?: string): Promise<Target | undefined> {
  const binary = officialMeshBinary('mcp-mesh-registry');
  if (binary === undefined) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'official-registry-'));
  const db =
    postgresAdminUrl === undefined ? undefined : await createTestDatabase(postgresAdminUrl, 'official_bench');
  const child = startProcess(binary, ['--host', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: {
      DATABASE_URL: db === undefined ? join(dir, 'registry.db') : withoutTls(db.url),
      MCP_MESH_LOG_LEVEL: 'ERROR',
      HOST: '127.0.0.1',
      PORT: String(port),
      // Whole seconds: the official registry reads these as integers.
      DEFAULT_TIMEOUT_THRESHOLD: String(HEALTH_TIMEOUT_S),
      DEFAULT_EVICTION_THRESHOLD: String(EVICTION_S),
    },
    maxOutputChars: 20_000,
  });
  const label = db === undefined ? 'official (SQLite)' : 'official (PostgreSQL)';
  return ready(label, `http://127.0.0.1:${port}`, child, async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });
}
