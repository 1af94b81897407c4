import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError, portIsFree, silentLogger } from '@mesh/common';
import { defineAgent } from '@mesh/runtime';
import type { RunningAgent } from '@mesh/runtime';
import { freePort, waitFor } from '@mesh/testkit';
import { loadArchitecture } from '../architecture/load.js';
import { stopMesh } from '../local/down.js';
import { liveProcesses, readState } from '../local/state.js';
import { up } from '../local/up.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../test-fixtures/canary');
/** The built CLI, as bin/meshctl runs it (build meshctl first). */
const cli = join(here, '../../dist/cli.js');

interface Outcome {
  at: number;
  ok: boolean;
  version?: string;
  code?: string;
}

/** Runs meshctl; resolves with its exit code and output (never rejects on a non-zero exit). */
function meshctl(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args, '--root', root],
      { env, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe(
  'canary rollout with real processes (registry, runtime agents, meshctl)',
  { timeout: 120_000 },
  () => {
    const home = mkdtempSync(join(tmpdir(), 'meshctl-canary-'));
    const env: NodeJS.ProcessEnv = { ...process.env, MCP_MESH_TLS_MODE: 'off', MESH_HOME: home };
    delete env['MCP_MESH_REGISTRY_URL'];
    const caller = defineAgent({ name: 'echo-caller' });
    const deps = caller.consumer({ echo: { capability: 'echo', timeoutMs: 3000 } });
    let consumer: RunningAgent | undefined;
    let registryUrl = '';
    const outcomes: Outcome[] = [];
    let loadStop = false;
    let load: Promise<void> = Promise.resolve();

    /** Calls echo about a hundred times a second until stopped, recording each outcome. */
    function startLoad(): void {
      loadStop = false;
      load = (async () => {
        for (let n = 0; !loadStop && n < 100_000; n += 1) {
          try {
            const result = await deps.echo.call<{ version: string }>({ n });
            outcomes.push({ at: Date.now(), ok: true, version: result.version });
          } catch (error: unknown) {
            outcomes.push({
              at: Date.now(),
              ok: false,
              code: error instanceof MeshError ? error.code : 'UNKNOWN',
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
    }

    async function stopLoad(): Promise<void> {
      loadStop = true;
      await load;
    }

    beforeAll(async () => {
      if (!existsSync(cli)) throw new Error(`${cli} is missing: build meshctl first (pnpm build)`);
      let portOffset = 0;
      for (let attempt = 0; attempt < 50; attempt += 1) {
        portOffset = (await freePort()) % 20_000;
        if (await portIsFree(18_100 + portOffset)) break;
      }
      env['MESH_PORT_OFFSET'] = String(portOffset);
      const result = await up(loadArchitecture(join(root, 'architecture.yml')), {
        root,
        home,
        env,
        portOffset,
        timeoutMs: 45_000,
        log: () => undefined,
      });
      expect(result.status).toBe('started');
      registryUrl = readState(home)!.registryUrl;
      consumer = await caller.start({
        app: undefined,
        mesh: { registryUrl, healthIntervalMs: 500 },
        logger: silentLogger(),
      });
      await waitFor(async () => (deps.echo.providers === 1 ? true : undefined), { timeoutMs: 15_000 });
    }, 90_000);

    afterAll(async () => {
      loadStop = true;
      await load;
      await consumer?.stop();
      await stopMesh(home, { graceMs: 5000, log: () => undefined });
      rmSync(home, { recursive: true, force: true });
    });

    it('rolls a failing canary back automatically; only its share of calls failed meanwhile', async () => {
      startLoad();
      const started = await meshctl(['start', 'echo-agent', '--version', '2.0.0', '--canary', '20'], {
        ...env,
        ECHO_FAIL: '1',
      });
      expect(started.code, started.out).toBe(0);
      const canaryFrom = Date.now();
      await waitFor(async () => (outcomes.filter((o) => !o.ok).length >= 3 ? true : undefined), {
        timeoutMs: 15_000,
      });
      const list = await meshctl(['list'], env);
      expect(list.out).toContain('echo-agent: 2.0.0 at 20 % (1.0.0 at 80 %)');
      const status = await meshctl(['canary', 'status', 'echo-agent'], env);
      expect(status.out).toMatch(/2\.0\.0\s+20 %\s+1\s+\d+\s+100\.00 %/);

      const watched = await meshctl(
        ['canary', 'watch', 'echo-agent', '--interval', '1s', '--min-calls', '5', '--max-error-margin', '5'],
        env,
      );
      const rolledBackAt = Date.now();
      expect(watched.code, watched.out).toBe(1);
      expect(watched.out).toContain('rolled back 2.0.0');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await stopLoad();

      const during = outcomes.filter((o) => o.at >= canaryFrom && o.at <= rolledBackAt);
      const failed = during.filter((o) => !o.ok);
      const share = (failed.length / during.length) * 100;
      console.info(
        `canary window: ${during.length} calls, ${failed.length} failed (${share.toFixed(1)} %, weight 20)`,
      );
      expect(failed.every((o) => o.code === 'INTERNAL')).toBe(true);
      // The canary's own share and no more: 20 % plus three standard deviations of a binomial sample this size.
      expect(share).toBeLessThanOrEqual(20 + 300 * Math.sqrt((0.2 * 0.8) / during.length));
      expect(outcomes.filter((o) => o.at > rolledBackAt && !o.ok)).toEqual([]);
      expect(outcomes.filter((o) => o.at > rolledBackAt).length).toBeGreaterThan(20);
      const canaries = (await (await fetch(`${registryUrl}/canaries`)).json()) as { canaries: unknown[] };
      expect(canaries.canaries).toEqual([]);
      const replicas = liveProcesses(readState(home)).filter((p) => p.name === 'echo-agent');
      expect(replicas.map((p) => p.env['MCP_MESH_AGENT_VERSION'])).toEqual([undefined]);
    });

    it('steps a healthy canary up and promotes it, with no failed call', async () => {
      outcomes.length = 0;
      startLoad();
      const started = await meshctl(['start', 'echo-agent', '--version', '2.1.0', '--canary', '10'], env);
      expect(started.code, started.out).toBe(0);
      const watched = await meshctl(
        ['canary', 'watch', 'echo-agent', '--interval', '1s', '--min-calls', '3', '--steps', '50,100'],
        env,
      );
      expect(watched.code, watched.out).toBe(0);
      expect(watched.out).toContain('promoted 2.1.0');
      const promotedAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await stopLoad();
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      const after = outcomes.filter((o) => o.at > promotedAt);
      expect(after.length).toBeGreaterThan(20);
      expect(new Set(after.map((o) => o.version))).toEqual(new Set(['2.1.0']));
      const replicas = liveProcesses(readState(home)).filter((p) => p.name === 'echo-agent');
      expect(replicas.map((p) => p.env['MCP_MESH_AGENT_VERSION'])).toEqual(['2.1.0']);
    });
  },
);
