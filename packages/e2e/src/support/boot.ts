import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../system/harness.js';

/** A system started for this suite, and how to stop it. */
export interface BootedSystem {
  readonly home: string;
  readonly gatewayUrl: string;
  readonly output: string;
  stop(): Promise<string>;
}

const REAL_SERVER_VARS = [
  'DATABASE_URL',
  'REDIS_URL',
  'RABBITMQ_URL',
  'SMTP_HOST',
  'PAYMENT_GATEWAY_URL',
  'DB_HOST',
];
const FIXED_PORTS = [8000, 8080, 5433, 8090, 8025, 2525];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    // 30,000–49,899: above the system harness's range and within meshctl's MESH_PORT_OFFSET bound (50,000).
    const offset = 30_000 + Math.floor(Math.random() * 20) * 1000 + Math.floor(Math.random() * 900);
    if ((await Promise.all(FIXED_PORTS.map((port) => portFree(port + offset)))).every(Boolean)) return offset;
  }
  throw new Error('no free port range for the system');
}

function runScript(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, script), [], {
      cwd: REPO_ROOT,
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
 * Starts the system with scripts/start-multi-agent.sh in a private MESH_HOME on shifted ports. The home is
 * made world-traversable: embedded PostgreSQL runs as an unprivileged user when the tests run as root.
 */
export async function bootSystem(
  extraEnv: Record<string, string> = {},
  timeoutMs = 240_000,
): Promise<BootedSystem> {
  const home = mkdtempSync(join(tmpdir(), 'mesh-e2e-'));
  chmodSync(home, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REAL_SERVER_VARS) delete env[name];
  Object.assign(env, {
    MESH_HOME: home,
    MESH_MODE: 'local',
    MESH_PORT_OFFSET: String(await freeOffset()),
    DEPENDENCY_TIMEOUT: '120s',
    ...extraEnv,
  });
  const stop = async (): Promise<string> => {
    const stopped = await runScript('scripts/stop-multi-agent.sh', env, 60_000);
    rmSync(home, { recursive: true, force: true });
    return stopped.output;
  };
  const started = await runScript('scripts/start-multi-agent.sh', env, timeoutMs);
  const stateFile = join(home, 'state.json');
  if (started.code !== 0 || !existsSync(stateFile)) {
    await stop();
    throw new Error(`start-multi-agent.sh failed (exit ${started.code}):\n${started.output}`);
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { gatewayUrl?: string };
  const gateway = /Gateway: (http:\/\/\S+)/.exec(started.output)?.[1];
  return { home, gatewayUrl: state.gatewayUrl ?? gateway ?? '', output: started.output, stop };
}
