import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@mesh/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadArchitecture, type Architecture } from '../architecture/load.js';
import { restartAgent } from '../commands/local-commands.js';
import { stopMesh } from './down.js';
import { Launcher } from './launcher.js';
import { postgresReady } from './readiness.js';
import { isAlive, liveProcesses, readState, statePath, type ProcessRecord } from './state.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const cli = join(root, 'packages/backends/dist/embedded-postgres-cli.js');

/** The repository's postgres entry, alone, on a free port. */
function architecture(dir: string, port: number): Architecture {
  const file = join(dir, 'architecture.yml');
  writeFileSync(
    file,
    `version: 1
tier_order: [core]
registry: { port: 1 }
infrastructure:
  - name: postgres
    url_env: MESH_TEST_UNSET_DATABASE_URL
    command: packages/backends/dist/embedded-postgres-cli.js
    args: [start, --data-dir, '\${home}/postgres', --port, '\${port}', --ready-file, '\${ready_file}']
    ports: { main: ${port} }
    ready: { postgres: url }
    exports: { DATABASE_URL: '\${json.url}' }
agents: {}
`,
  );
  return loadArchitecture(file);
}

describe.skipIf(!existsSync(cli))('meshctl and the embedded PostgreSQL server', { timeout: 120_000 }, () => {
  let dir: string;
  let home: string;
  let arch: Architecture;
  const lines: string[] = [];
  const options = () => ({
    root,
    home,
    env: { ...process.env },
    portOffset: 0,
    timeoutMs: 40_000,
    log: (line: string) => lines.push(line),
  });
  const postgres = (): ProcessRecord => readState(home)!.processes.find((p) => p.name === 'postgres')!;
  const url = (): string => readState(home)!.exports!['DATABASE_URL']!;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshctl-pg-'));
    // Run as root, PostgreSQL runs as "postgres", who must reach the data dir under the home.
    chmodSync(dir, 0o755);
    home = join(dir, '.mesh');
    arch = architecture(dir, await freePort());
    await new Launcher(arch, options()).startInfrastructure(arch.infrastructure[0]!);
  }, 60_000);

  afterEach(async () => {
    await stopMesh(home, { graceMs: 5000, log: () => undefined });
    rmSync(dir, { recursive: true, force: true });
  });

  it('tracks the postmaster, not the node wrapper, and is ready by a PostgreSQL-level check', async () => {
    const record = postgres();
    expect(record.supervisorPid).toBeDefined();
    expect(record.pid).not.toBe(record.supervisorPid);
    const postmasterPid = Number(
      readFileSync(join(home, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(record.pid).toBe(postmasterPid);
    expect(await postgresReady(url())).toBe(true);
  });

  it('restarts postgres after its postmaster is killed, quickly, tracking the new postmaster', async () => {
    const before = postgres();
    process.kill(before.pid, 'SIGKILL');
    await waitFor(async () => (isAlive(before.pid) || isAlive(before.supervisorPid!) ? undefined : true), {
      timeoutMs: 10_000,
    });
    const started = Date.now();
    expect(await restartAgent(options(), 'postgres', undefined, () => arch)).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = postgres();
    expect(after.pid).not.toBe(before.pid);
    expect(isAlive(after.pid)).toBe(true);
    expect(readState(home)!.processes.filter((p) => p.name === 'postgres')).toHaveLength(1);
    expect(after.pid).toBe(
      Number(readFileSync(join(home, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]),
    );
    expect(await postgresReady(url())).toBe(true);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`stops the server when the pid status shows gets ${signal}`, async () => {
      const shown = liveProcesses(readState(home)).find((p) => p.name === 'postgres')!;
      const target = url();
      process.kill(shown.pid, signal);
      await waitFor(async () => (isAlive(shown.pid) || isAlive(shown.supervisorPid!) ? undefined : true), {
        timeoutMs: 15_000,
        description: 'postmaster and wrapper gone',
      });
      expect(await postgresReady(target)).toBe(false);
    });
  }

  it('stops the postmaster with meshctl stop postgres, promptly even with a client connected', async () => {
    const record = postgres();
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url() });
    client.on('error', () => undefined);
    await client.connect();
    const started = Date.now();
    await stopMesh(home, { graceMs: 10_000, names: ['postgres'], log: () => undefined });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(isAlive(record.pid)).toBe(false);
    expect(isAlive(record.supervisorPid!)).toBe(false);
    await client.end().catch(() => undefined);
  });

  it('keeps logs and state private and no password in the logs', () => {
    expect(statSync(statePath(home)).mode & 0o777).toBe(0o600);
    const logs = join(home, 'logs');
    for (const name of readdirSync(logs)) {
      const file = join(logs, name);
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('"event":"ready"');
      expect(text, file).not.toMatch(/postgres:\/\/[^:\s]*:(?!\*\*\*@)[^@\s]+@/);
    }
  });
});
