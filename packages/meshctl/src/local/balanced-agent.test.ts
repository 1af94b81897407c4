import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { portIsFree } from '@mesh/common';
import { freePort } from '@mesh/testkit';
import { parseArchitecture } from '../architecture/load.js';
import { applyProfile } from '../architecture/profiles.js';
import { restartAgent } from '../commands/local-commands.js';
import { stopMesh } from './down.js';
import { isAlive, readState } from './state.js';
import { up } from './up.js';

const root = fileURLToPath(new URL('../../test-fixtures/valid', import.meta.url));
const GATEWAY_PORT = 18_100;
const homes: string[] = [];

/** The fixture with a fixed gateway port and a profile running it twice. */
function profiledFixture() {
  const text = readFileSync(join(root, 'architecture.yml'), 'utf8')
    .replace('depends_on: [shop-agent]', `depends_on: [shop-agent]\n      port: ${GATEWAY_PORT}`)
    .concat('profiles:\n  wide:\n    agents:\n      web-gateway: { replicas: 2, env: { RATE_LIMIT: 7 } }\n');
  return applyProfile(parseArchitecture(text, join(root, 'architecture.yml')), 'wide');
}

/** A port offset under which every fixed port of the fixture (and the gateway's replicas) is free. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const offset = (await freePort()) % 20_000;
    const ports = [18_000, 15_433, GATEWAY_PORT, GATEWAY_PORT + 1, GATEWAY_PORT + 2].map((p) => p + offset);
    if ((await Promise.all(ports.map((p) => portIsFree(p)))).every(Boolean)) return offset;
  }
  throw new Error('no free port offset found');
}

afterEach(async () => {
  for (const home of homes.splice(0)) {
    await stopMesh(home, { graceMs: 2000, log: () => undefined });
    rmSync(home, { recursive: true, force: true });
  }
});

describe('an agent with a fixed port and several replicas (a profile)', { timeout: 60_000 }, () => {
  it('runs the replicas on the ports after it behind a balancer on it, and rolls them without a failed request', async () => {
    const arch = profiledFixture();
    const home = mkdtempSync(join(tmpdir(), 'meshctl-balanced-'));
    homes.push(home);
    const portOffset = await freeOffset();
    const lines: string[] = [];
    const options = {
      root,
      home,
      env: { ...process.env, MCP_MESH_TLS_MODE: 'off' },
      portOffset,
      timeoutMs: 15_000,
      log: (l: string) => lines.push(l),
    };
    const result = await up(arch, options);
    expect(result.status, lines.join('\n')).toBe('started');
    const state = readState(home)!;
    const port = GATEWAY_PORT + portOffset;
    expect(state.profile).toBe('wide');
    const gateways = state.processes.filter((p) => p.name === 'web-gateway');
    expect(gateways.map((p) => p.port)).toEqual([port + 1, port + 2]);
    expect(gateways.every((p) => p.env['RATE_LIMIT'] === '7')).toBe(true);
    const balancer = state.processes.find((p) => p.name === 'web-gateway-balancer')!;
    expect(balancer).toMatchObject({ kind: 'balancer', port, url: `http://127.0.0.1:${port}` });
    expect(lines.join('\n')).toContain('profile wide');
    expect(lines).toContain(
      `Replicas: http://127.0.0.1:${port + 1}, http://127.0.0.1:${port + 2} (web-gateway, behind web-gateway-balancer)`,
    );

    const answeredBy = async (): Promise<number> => {
      const answer = await fetch(`${balancer.url}/anything`);
      if (answer.status !== 200) throw new Error(`status ${answer.status}`);
      return ((await answer.json()) as { port: number }).port;
    };
    const seen = await Promise.all(Array.from({ length: 6 }, answeredBy));
    expect(new Set(seen)).toEqual(new Set([port + 1, port + 2]));

    // Requests keep flowing through the balancer while both replicas are replaced in place.
    let stop = false;
    let failures = 0;
    let answered = 0;
    const traffic = (async () => {
      for (let i = 0; i < 5000 && !stop; i += 1) {
        try {
          await answeredBy();
          answered += 1;
        } catch {
          failures += 1;
        }
      }
    })();
    const code = await restartAgent(options, 'web-gateway', undefined, () => arch);
    stop = true;
    await traffic;
    expect(code, lines.join('\n')).toBe(0);
    expect(failures).toBe(0);
    expect(answered).toBeGreaterThan(10);
    const after = readState(home)!.processes.filter((p) => p.name === 'web-gateway');
    expect(after.map((p) => p.port)).toEqual([port + 1, port + 2]);
    expect(after.every((p) => isAlive(p.pid) && !gateways.some((g) => g.pid === p.pid))).toBe(true);

    await stopMesh(home, { graceMs: 2000, log: () => undefined });
    expect(isAlive(balancer.pid)).toBe(false);
  });
});
