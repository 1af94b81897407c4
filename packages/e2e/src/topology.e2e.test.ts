import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HeadlessPage } from './support/headless-chromium.js';
import { REPO_ROOT, startSystem, type StartedSystem } from './system/harness.js';
import { loadArchitecture } from '@mesh/meshctl';

/** Every agent architecture.yml declares: the page draws one node each. */
const DECLARED_AGENTS = loadArchitecture(join(REPO_ROOT, 'architecture.yml')).agents.length;

/** Starts `meshctl ui` on a free port against the system and resolves with the page's URL. */
async function startUi(system: StartedSystem): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(join(REPO_ROOT, 'bin/meshctl'), ['ui', '0', '--registry-url', system.registryUrl], {
    cwd: REPO_ROOT,
    env: { ...process.env, MESH_HOME: system.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(() => /at (http:\/\/\S+)/.exec(output)?.[1], {
    timeoutMs: 20_000,
    intervalMs: 100,
    description: `meshctl ui to listen (output so far: ${output})`,
  });
  return { child, url };
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// Locally a machine without Chromium skips this; in CI (which installs it) a missing browser is a failure.
const skipWithoutChromium = !existsSync(CHROMIUM) && process.env['CI'] !== 'true';

describe.skipIf(skipWithoutChromium)('meshctl ui: the live topology in a browser', () => {
  let system: StartedSystem;
  let ui: { child: ChildProcess; url: string } | undefined;
  let page: HeadlessPage | undefined;

  beforeAll(async () => {
    system = await startSystem();
    ui = await startUi(system);
    page = await HeadlessPage.launch();
  });

  afterAll(async () => {
    await page?.close();
    await stopChild(ui?.child);
    await system?.stop();
  });

  it('draws every agent healthy with its replicas and edges, then turns a killed agent unhealthy live', async () => {
    await page!.navigate(ui!.url);
    const health = (): Promise<Record<string, string>> =>
      page!.evaluate<Record<string, string>>(
        'Object.fromEntries([...document.querySelectorAll("g.node")].map((n) => [n.dataset.agent, n.dataset.health]))',
      );
    const edgeStatus = (from: string, to: string): Promise<string | null> =>
      page!.evaluate<string | null>(
        `document.querySelector('g.edge[data-from="${from}"][data-to="${to}"]')?.dataset.status ?? null`,
      );

    const first = await waitFor(
      async () => {
        const nodes = await health();
        const values = Object.values(nodes);
        return values.length === DECLARED_AGENTS && values.every((h) => h === 'healthy') ? nodes : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'every agent drawn healthy' },
    );
    expect(Object.keys(first).sort()).toContain('payment-agent');
    expect(await edgeStatus('order-agent', 'payment-agent')).toBe('resolved');
    expect(await edgeStatus('api-gateway', 'order-agent')).toBe('resolved');
    // Three user-agent replicas, each with its version and capabilities in the panel.
    const userReplicas = await page!.evaluate<string[]>(
      '[...document.querySelectorAll(\'section[data-agent="user-agent"] li[data-replica]\')].map((li) => li.textContent)',
    );
    expect(userReplicas).toHaveLength(3);
    for (const replica of userReplicas) expect(replica).toMatch(/v1\.0\.0.*user_get@1\.0\.0/);

    // Kill the one payment-agent replica outright: no deregistration, the registry notices its silence.
    const payment = system.state.processes.find((p) => p.kind === 'agent' && p.name === 'payment-agent');
    expect(payment).toBeDefined();
    const generatedBefore = await page!.evaluate<string>('document.body.dataset.generatedAt');
    process.kill(payment!.pid, 'SIGKILL');

    // The same page, never reloaded, follows the server's event stream.
    await waitFor(async () => ((await health())['payment-agent'] === 'unhealthy' ? true : undefined), {
      timeoutMs: 75_000,
      intervalMs: 500,
      description: 'payment-agent drawn unhealthy',
    });
    expect(await page!.evaluate<string>('document.body.dataset.generatedAt')).not.toBe(generatedBefore);
    await waitFor(
      async () => ((await edgeStatus('order-agent', 'payment-agent')) === 'unresolved' ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 500, description: 'order-agent -> payment-agent drawn unresolved' },
    );
    const after = await health();
    expect(after['user-agent']).toBe('healthy');
    expect(after['api-gateway']).toBe('healthy');
  });
});
