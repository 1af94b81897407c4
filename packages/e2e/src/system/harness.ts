import { isProcessAlive } from '@mesh/common';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/e2e/src/system/harness.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** One process of the started system, as `.mesh/state.json` records it. */
export interface SystemProcess {
  name: string;
  kind: 'registry' | 'infrastructure' | 'agent' | 'balancer';
  replica: number;
  pid: number;
  url?: string;
  log: string;
}

export interface SystemState {
  /** The architecture.yml profile the system was started with (`--profile`). */
  profile?: string;
  registryUrl: string;
  gatewayUrl?: string;
  readyMs?: number;
  processes: SystemProcess[];
}

export interface StartedSystem {
  readonly home: string;
  readonly gatewayUrl: string;
  readonly registryUrl: string;
  readonly state: SystemState;
  /** Everything the start script printed. */
  readonly output: string;
  /** The cold start time the script measured and printed, in milliseconds. */
  readonly coldStartMs: number;
  /** Runs bin/meshctl against this system (same MESH_HOME and registry). */
  meshctl(...args: string[]): { code: number | null; stdout: string; stderr: string };
  /** Runs the start script again (to see it refuse a second start). */
  startAgain(): Promise<{ code: number; output: string }>;
  /** Runs a repository script (e.g. scripts/chaos-test.sh) against this system. */
  script(path: string, args: string[], timeoutMs?: number): Promise<{ code: number; output: string }>;
  /** Runs scripts/stop-multi-agent.sh; resolves with its output. */
  stop(): Promise<string>;
}

/** Variables that would point the system at real servers; removed so the embedded defaults are used. */
const REAL_SERVER_VARS = [
  'DATABASE_URL',
  'REDIS_URL',
  'RABBITMQ_URL',
  'SMTP_HOST',
  'PAYMENT_GATEWAY_URL',
  'DB_HOST',
  'REDIS_HOST',
  'CACHE_HOST',
];
/** The fixed ports of a start; 8081 and 8082 are the gateway replicas' behind the balancer of a profile. */
const FIXED_PORTS = [8000, 8080, 8081, 8082, 5433, 8090, 8025, 2525];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first port the kernel hands out for connections and port-0 listeners (every agent listens on one): a
 * fixed port at or above it can be taken by any of them between the check below and the process binding it.
 */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 20_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** An offset for the system's fixed ports under which every one of them is free now, all below the ephemeral range. */
async function freeOffset(): Promise<number> {
  const thousands = Math.max(
    1,
    Math.floor((ephemeralPortsStart() - Math.max(...FIXED_PORTS) - 10_000) / 1000),
  );
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const offset = 10_000 + Math.floor(Math.random() * thousands) * 1000 + Math.floor(Math.random() * 900);
    const free = await Promise.all(FIXED_PORTS.map((port) => portFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free port range for the system');
}

function run(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  args: string[] = [],
  root = REPO_ROOT,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, script), args, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

/**
 * Starts the whole system exactly as a user does (`scripts/start-multi-agent.sh`, local processes on the
 * embedded defaults), in a private MESH_HOME and on shifted ports so it never meets a system a developer runs.
 * Build first (`pnpm build`). Throws with the script's output when the start fails.
 */
export async function startSystem(
  /** `root`: a copy of the repository to start instead of this one (built, with its node_modules). */
  options: { env?: Record<string, string>; timeoutMs?: number; root?: string; args?: string[] } = {},
): Promise<StartedSystem> {
  const root = options.root ?? REPO_ROOT;
  const home = mkdtempSync(join(tmpdir(), 'mesh-system-'));
  // As root, embedded PostgreSQL runs as another user, which must be able to enter the data directory's parents.
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REAL_SERVER_VARS) delete env[name];
  Object.assign(env, {
    MESH_HOME: home,
    MESH_MODE: 'local',
    MESH_PORT_OFFSET: String(await freeOffset()),
    DEPENDENCY_TIMEOUT: '60s',
    ...options.env,
  });
  const args = options.args ?? [];
  const started = await run('scripts/start-multi-agent.sh', env, options.timeoutMs ?? 180_000, args, root);
  const stateFile = join(home, 'state.json');
  const stop = async (): Promise<string> => {
    const stopped = await run('scripts/stop-multi-agent.sh', env, 60_000, [], root);
    rmSync(home, { recursive: true, force: true });
    return stopped.output;
  };
  if (started.code !== 0 || !existsSync(stateFile)) {
    await stop();
    throw new Error(`start-multi-agent.sh failed (exit ${started.code}):\n${started.output}`);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SystemState;
  const match = /ready in (\d+(?:\.\d+)?) s/.exec(started.output);
  return {
    home,
    gatewayUrl: state.gatewayUrl ?? '',
    registryUrl: state.registryUrl,
    state,
    output: started.output,
    coldStartMs: match ? Math.round(Number(match[1]) * 1000) : Number.NaN,
    meshctl: (...args) => {
      const result = spawnSync(join(root, 'bin/meshctl'), [...args, '--registry-url', state.registryUrl], {
        cwd: root,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    startAgain: () => run('scripts/start-multi-agent.sh', env, 60_000, args, root),
    script: (path, args, timeoutMs = 240_000) => run(path, env, timeoutMs, args, root),
    stop,
  };
}

/** True while a process with this pid exists. */
/** Whether a process still runs; a stopped one waiting to be reaped (a zombie) does not count. */
export function isAlive(pid: number): boolean {
  return isProcessAlive(pid);
}

/** POST /auth/login through the gateway with a demo user; returns the bearer token. */
export async function login(gatewayUrl: string, username = 'user-1', password = 'demo'): Promise<string> {
  const response = await fetch(`${gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || body.access_token === undefined) {
    throw new Error(`login failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}
