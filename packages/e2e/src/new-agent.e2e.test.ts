import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipOrFailInCi, waitFor } from '@mesh/testkit';
import { isAlive, REPO_ROOT, startSystem, type StartedSystem } from './system/harness.js';

const hasPnpm = spawnSync('pnpm', ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
if (!hasPnpm)
  skipOrFailInCi({ tests: 'the new-agent test', reason: 'pnpm is not installed', fix: 'npm i -g pnpm@10' });

/** Runs a command in the copy; fails the test with its output unless it exits 0. */
function sh(cwd: string, command: string, args: string[], timeoutMs = 120_000): string {
  const started = Date.now();
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  process.stdout.write(`  ${command} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (run.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${run.status ?? run.signal}:\n${output}`);
  return output;
}

/**
 * A copy of this checkout as a user has it after `pnpm build`: the files git tracks or would (no .mesh,
 * no node_modules) and every package's dist, so nothing but the new agent needs building.
 */
function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'mesh-new-agent-'));
  // As root, embedded PostgreSQL runs as another user, which must be able to enter the data directory's parents.
  chmodSync(copy, 0o755);
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const files = listed.stdout.split('\0').filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(copy, file));
  }
  for (const group of ['packages', 'agents'])
    for (const name of readdirSync(join(REPO_ROOT, group))) {
      const dist = join(REPO_ROOT, group, name, 'dist');
      if (existsSync(dist)) cpSync(dist, join(copy, group, name, 'dist'), { recursive: true });
    }
  return copy;
}

/**
 * What docs/adding-an-agent.md walks through, in a copy of the repository: `meshctl new agent`, install,
 * build, `meshctl check`, lint, the agent's own test, the start script, then `meshctl call` on the new tool
 * (through its dependency's provider being there) with no edit in between.
 */
describe.skipIf(!hasPnpm)('meshctl new agent, from nothing to a call', { timeout: 180_000 }, () => {
  let copy: string;
  let system: StartedSystem | undefined;

  beforeAll(() => {
    for (const pkg of ['packages/meshctl', 'packages/runtime', 'agents/user'])
      if (!existsSync(join(REPO_ROOT, pkg, 'dist')))
        throw new Error(`${pkg}/dist is missing: run pnpm build first`);
    copy = copyRepository();
    sh(copy, 'pnpm', ['install', '--offline', '--frozen-lockfile']);
  }, 180_000);

  afterAll(async () => {
    if (system !== undefined) {
      const pids = system.state.processes.map((p) => p.pid);
      await system.stop();
      expect(pids.filter(isAlive)).toEqual([]);
    }
    if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
  });

  it('writes the agent, which installs, builds, passes check, lint and its test, starts and answers', async () => {
    const agentsBefore = Number(/^ok: (\d+) agents/.exec(sh(copy, 'bin/meshctl', ['check']))?.[1]);
    expect(agentsBefore).toBeGreaterThan(0);
    const created = sh(copy, 'bin/meshctl', [
      'new',
      'agent',
      'shipping',
      '--tier',
      'business',
      '--depends',
      'user_get',
      '--replicas',
      '2',
    ]);
    expect(created).toContain('Created agents/shipping (@mesh/agent-shipping)');

    // The lockfile gains the new package (from the store: nothing new to download).
    sh(copy, 'pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile']);
    sh(copy, 'pnpm', ['--filter', '@mesh/agent-shipping', 'build']);
    expect(sh(copy, 'bin/meshctl', ['check']).trim()).toBe(
      `ok: ${agentsBefore + 1} agents match architecture.yml, and 6 deploy file(s) agree with it`,
    );
    sh(copy, 'pnpm', ['exec', 'prettier', '--check', 'agents/shipping', 'architecture.yml', 'deploy']);
    sh(copy, 'pnpm', ['exec', 'eslint', 'agents/shipping']);
    sh(copy, 'pnpm', ['exec', 'vitest', 'run', 'agents/shipping']);

    system = await startSystem({ root: copy });
    const replicas = system.state.processes.filter((p) => p.name === 'shipping-agent');
    expect(replicas).toHaveLength(2);
    const started = system;
    // Ready means serving; the registry hands it user_get's providers with its next heartbeat.
    const reply = await waitFor(
      () => {
        const call = started.meshctl('call', 'shipping_hello', '{"name":"Ada"}');
        if (call.code !== 0) throw new Error(`meshctl call failed: ${call.stderr}`);
        const body = JSON.parse(call.stdout) as { dependencies?: { user_get?: boolean } };
        return body.dependencies?.user_get === true ? body : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 500, description: 'shipping_hello reaching user_get' },
    );
    expect(reply).toEqual({ message: 'Hello, Ada, from shipping-agent', dependencies: { user_get: true } });
  });
});
