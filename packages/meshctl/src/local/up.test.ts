import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testkit';
import { loadArchitecture } from '../architecture/load.js';
import { stopMesh, stopWaves } from './down.js';
import { isAlive, readState } from './state.js';
import { portIsFree } from '@mesh/common';
import { up } from './up.js';

const root = fileURLToPath(new URL('../../test-fixtures/valid', import.meta.url));
const homes: string[] = [];

async function options(env: NodeJS.ProcessEnv = {}, timeoutMs = 10_000) {
  const home = mkdtempSync(join(tmpdir(), 'meshctl-up-'));
  homes.push(home);
  const lines: string[] = [];
  // The fixture's fixed ports (18000, 15433) move by a random offset under which both are free now.
  let portOffset = 0;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    portOffset = (await freePort()) % 20_000;
    if ((await portIsFree(18_000 + portOffset)) && (await portIsFree(15_433 + portOffset))) break;
  }
  return {
    lines,
    home,
    opts: {
      root,
      home,
      // The fixture registry and agents speak plain HTTP; strict starts are covered end to end (e2e).
      env: { ...process.env, MCP_MESH_TLS_MODE: 'off', ...env },
      portOffset,
      timeoutMs,
      log: (l: string) => lines.push(l),
    },
  };
}

afterEach(async () => {
  for (const home of homes.splice(0)) {
    await stopMesh(home, { graceMs: 2000, log: () => undefined });
    rmSync(home, { recursive: true, force: true });
  }
});

describe('up (local processes)', () => {
  it('starts registry, infrastructure and replicas in dependency order, then says it already runs', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options();
    // The start began 3 s before `up` (the CLI's own start-up, the start script): "ready in" counts it.
    const result = await up(arch, { ...opts, startedAtMs: Date.now() - 3000 });
    expect(result.status, lines.join('\n')).toBe('started');
    expect(result.readyMs).toBeGreaterThanOrEqual(3000);
    const state = readState(home)!;
    const agents = state.processes.filter((p) => p.kind === 'agent');
    expect(agents.map((p) => `${p.name}#${p.replica}`).sort()).toEqual([
      'shop-agent#1',
      'store-agent#1',
      'store-agent#2',
      'web-gateway#1',
    ]);
    expect(state.processes.every((p) => isAlive(p.pid))).toBe(true);
    expect(lines.find((l) => l.includes('start order'))).toContain(
      'store-agent -> shop-agent -> web-gateway',
    );
    const order = ['store-agent x2 ready', 'shop-agent x1 ready', 'web-gateway x1 ready'].map((s) =>
      lines.findIndex((l) => l.includes(s)),
    );
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]!))).toBe(true);
    // The agent got the database URL from the infrastructure, pointed at its own database.
    const store = agents.find((p) => p.name === 'store-agent')!;
    expect(store.env['DATABASE_URL']).toMatch(/^postgres:\/\/u:p@127\.0\.0\.1:\d+\/store_db$/);
    expect(store.env['MCP_MESH_REGISTRY_URL']).toBe(state.registryUrl);
    expect(lines.some((l) => /All 4 agent processes ready in \d+\.\d\d s/.test(l))).toBe(true);
    // A Prometheus configuration that finds these replicas through the registry.
    expect(readFileSync(join(home, 'prometheus.yml'), 'utf8')).toContain(
      `url: ${state.registryUrl}/v1/sd/prometheus`,
    );

    const again: string[] = [];
    const second = await up(arch, { ...opts, log: (l) => again.push(l) });
    expect(second.status).toBe('already-running');
    expect(again[0]).toContain('already running');

    const stopLines: string[] = [];
    const waves = stopWaves(arch.agents);
    expect(waves).toEqual([['web-gateway'], ['shop-agent'], ['store-agent']]);
    const stopped = await stopMesh(home, { graceMs: 2000, waves, log: (l) => stopLines.push(l) });
    expect(stopped.length).toBe(state.processes.length);
    // Consumers stop while their providers still run; infrastructure after every agent.
    const agentsInStopOrder = stopLines
      .map((l) => l.split(' ')[0])
      .filter((n) => n?.endsWith('-agent') || n === 'web-gateway');
    expect([...new Set(agentsInStopOrder)]).toEqual(['web-gateway', 'shop-agent', 'store-agent']);
    expect(stopLines.findIndex((l) => l.startsWith('fakedb'))).toBeGreaterThan(
      stopLines.findLastIndex((l) => l.startsWith('store-agent')),
    );
    expect(state.processes.some((p) => isAlive(p.pid))).toBe(false);
    expect(readState(home)).toBeUndefined();
  });

  it('starts a single agent later without starting the infrastructure twice', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options();
    expect((await up(arch, opts)).status, lines.join('\n')).toBe('started');
    await stopMesh(home, { graceMs: 2000, names: ['shop-agent'], log: () => undefined });
    const later: string[] = [];
    const result = await up(arch, { ...opts, agents: ['shop-agent'], log: (l) => later.push(l) });
    expect(result.status, later.join('\n')).toBe('started');
    expect(later.some((l) => l.includes('fakedb ready: already running'))).toBe(true);
    // It says what this start did, not what runs in all.
    expect(later.some((l) => /^All \d+ agent processes ready/.test(l))).toBe(false);
    expect(later).toContainEqual(
      expect.stringMatching(
        /^Started 1 agent process \(shop-agent x1\) in \d+\.\d\d s; 4 agent processes run in all\.$/,
      ),
    );
    const state = readState(home)!;
    expect(state.processes.filter((p) => p.name === 'fakedb')).toHaveLength(1);
    const shop = state.processes.find((p) => p.name === 'shop-agent')!;
    expect(isAlive(shop.pid)).toBe(true);
    expect(shop.env['DATABASE_URL']).toMatch(/^postgres:\/\/u:p@127\.0\.0\.1:\d+\/postgres$/);
  });

  it('starts every agent at once with parallel, still waiting for each to be ready', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options();
    const result = await up(arch, { ...opts, parallel: true });
    expect(result.status, lines.join('\n')).toBe('started');
    expect(lines.some((l) => l.includes('all agents at once'))).toBe(true);
    expect(readState(home)!.processes.filter((p) => p.kind === 'agent')).toHaveLength(4);
  });

  it('stops the start with the tail of the log when an agent never becomes ready', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options({ FAKE_NEVER_READY: '1' }, 6000);
    const result = await up(arch, opts);
    expect(result.status).toBe('failed');
    const text = lines.join('\n');
    expect(text).toMatch(
      /START FAILED: store-agent #\d did not become ready within 6000 ms \(DEPENDENCY_TIMEOUT\)/,
    );
    expect(text).toContain('"msg":"listening"');
    expect(readState(home)).toBeUndefined();
  });

  it('leaves nothing behind when infrastructure fails while the registry is still starting', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(15_433 + opts.portOffset, '127.0.0.1', resolve));
    try {
      const result = await up(arch, opts);
      expect(result.status).toBe('failed');
      expect(lines.join('\n')).toContain(`fakedb: port ${15_433 + opts.portOffset} is already in use`);
      // A process the start had under way must not appear after the cleanup: watch for a bounded moment.
      const until = Date.now() + 1500;
      while (Date.now() < until && !existsSync(join(home, 'logs', 'registry.log'))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(existsSync(join(home, 'logs', 'registry.log'))).toBe(false);
      expect(readState(home)).toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it('fails fast with the log when an agent exits during start', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines } = await options({ FAKE_CRASH: '1' }, 20_000);
    const started = Date.now();
    const result = await up(arch, opts);
    expect(result.status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(15_000);
    const text = lines.join('\n');
    expect(text).toMatch(/store-agent #\d exited \(exit code 3\) before it became ready/);
    expect(text).toContain('fake agent: configured to crash');
  });

  it('uses a real server instead of starting the stand-in when its URL is set', async () => {
    const arch = loadArchitecture(join(root, 'architecture.yml'));
    const { opts, lines, home } = await options({ FAKE_DATABASE_URL: 'postgres://x@127.0.0.1:1/x' });
    const result = await up(arch, opts);
    expect(result.status, lines.join('\n')).toBe('started');
    const state = readState(home)!;
    expect(state.processes.some((p) => p.name === 'fakedb')).toBe(false);
    expect(lines.some((l) => l.includes('fakedb ready: FAKE_DATABASE_URL (real server)'))).toBe(true);
    expect(readFileSync(state.processes[0]!.log, 'utf8')).toBeDefined();
  });
});
