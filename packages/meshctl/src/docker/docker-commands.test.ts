import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { stopMesh } from '../local/down.js';
import { readState, statePath, writeState } from '../local/state.js';
import { up } from '../local/up.js';
import { containerOk, parseComposePs } from './compose-ps.js';
import {
  describeContainers,
  dockerContainers,
  dockerDown,
  dockerLogs,
  dockerRestart,
  dockerStop,
} from './docker-commands.js';
import { fakeDocker, recordedDockerStart, type FakeDocker } from './test-fake-docker.js';
import { psLines } from './test-compose-ps.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const arch = loadArchitecture(join(repo, 'architecture.yml'));
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A home holding the state of a Docker start with the event-driven layer, and fakes answering for it. */
function running(ps = '', logs = '') {
  const fake: FakeDocker = fakeDocker({ composePlugin: 'Docker Compose version v2.29.7', ps, logs });
  const { home, state } = recordedDockerStart(
    fake,
    arch,
    { project: 'meshctl-test', layers: ['event-driven'], portOffset: 300 },
    cleanups,
  );
  writeState(home, state);
  mkdirSync(join(home, 'docker-tls'));
  writeFileSync(join(home, 'docker-tls/ca.crt'), 'ca');
  const lines: string[] = [];
  const options = { root: fake.root, home, env: fake.env, log: (line: string) => lines.push(line) };
  return { fake, home, state, lines, options };
}

const PROJECT =
  'docker compose -p meshctl-test -f deploy/docker-compose.yml -f deploy/docker-compose.event-driven.yml';

describe('a Docker mesh recorded in state.json', () => {
  it('down runs compose down on the recorded project and files, keeps volumes, then forgets the state', async () => {
    const { fake, home, state, options, lines } = running();
    expect(await dockerDown(state, { ...options, volumes: false })).toBe(0);
    expect(fake.calls()).toEqual([`${PROJECT} down --remove-orphans`]);
    expect(fake.upEnv()).toEqual({});
    expect(existsSync(statePath(home))).toBe(false);
    expect(existsSync(join(home, 'docker-tls'))).toBe(false);
    expect(lines[0]).toContain('volumes kept; --volumes removes them');
  });

  it('down --volumes removes the volumes too', async () => {
    const { fake, state, options } = running();
    await dockerDown(state, { ...options, volumes: true });
    expect(fake.calls()).toEqual([`${PROJECT} down --remove-orphans --volumes`]);
  });

  it('stop without names is down; with names, compose stop of those services', async () => {
    const { fake, state, options } = running();
    await dockerStop(state, ['order-agent'], options);
    expect(fake.calls()).toEqual([`${PROJECT} stop order-agent`]);
    await dockerStop(state, [], options);
    expect(fake.calls().at(-1)).toBe(`${PROJECT} down --remove-orphans`);
  });

  it('restart starts the stopped containers of a service as they were (compose start, never up)', async () => {
    const { fake, state, options, lines } = running();
    expect(await dockerRestart(state, 'order-agent', options)).toBe(0);
    expect(fake.calls()).toEqual([`${PROJECT} start --wait --wait-timeout 120 order-agent`]);
    expect(lines).toEqual(['order-agent ready again']);
  });

  it('logs shows the service through compose logs, its JSON lines pretty-printed (raw with json)', async () => {
    const json =
      '{"level":"info","time":"2026-12-06T10:41:33.123Z","service":"order-agent","msg":"order completed"}';
    const { fake, state, options, lines } = running('', `order-agent-1  | ${json}\nplain line\n`);
    expect(await dockerLogs(state, 'order-agent', 20, false, options)).toBe(0);
    expect(fake.calls()).toEqual([`${PROJECT} logs --tail 20 order-agent`]);
    expect(lines).toEqual(['order-agent-1  | 10:41:33.123 INFO  order-agent order completed', 'plain line']);
    expect(await dockerLogs(state, 'order-agent', 20, false, { ...options, json: true })).toBe(0);
    expect(lines).toHaveLength(2);
  });

  it('the local stop leaves its state alone (only compose stops its containers)', async () => {
    const { home, lines } = running();
    await stopMesh(home, { graceMs: 100, log: (line) => lines.push(line) });
    expect(readState(home)?.mode).toBe('docker');
    expect(lines.at(-1)).toContain('The mesh runs in Docker');
  });

  it('a local start refuses while it runs, naming how to stop it', async () => {
    const { home, fake } = running();
    await expect(
      up(arch, {
        root: fake.root,
        home,
        env: fake.env,
        portOffset: 0,
        timeoutMs: 1000,
        log: () => undefined,
      }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`${PROJECT} down`) as string,
    });
    expect(readState(home)?.mode).toBe('docker');
  });

  it('status lists every container with its health, and is not ok while one is unhealthy or killed', async () => {
    const ps = psLines([
      { service: 'mesh-certs', state: 'exited', health: '' },
      { service: 'registry', port: [8300, 8000] },
      { service: 'user-agent' },
      { service: 'user-agent', health: 'unhealthy' },
      { service: 'order-agent', state: 'exited', health: '', exitCode: 137 },
    ]);
    const { state, options } = running(ps);
    const containers = await dockerContainers(state, options);
    expect(containers.map((c) => [c.service, containerOk(c)])).toEqual([
      ['mesh-certs', true],
      ['order-agent', false],
      ['registry', true],
      ['user-agent', true],
      ['user-agent', false],
    ]);
    const { ok, text } = describeContainers('meshctl-test', containers);
    expect(ok).toBe(false);
    expect(text).toContain('(3/5 as expected)');
    expect(text).toMatch(
      /registry\s+agent-mesh-registry-2\s+running\s+healthy\s+127\.0\.0\.1:8300->8000\/tcp/,
    );
    expect(text).toMatch(/order-agent\s+agent-mesh-order-agent-5\s+exited \(137\)/);
  });
});

describe('parseComposePs', () => {
  it('reads the JSON array older Compose v2 releases print', () => {
    const array = `[${psLines([{ service: 'redis' }, { service: 'postgres' }])
      .split('\n')
      .join(',')}]`;
    expect(parseComposePs(array).map((c) => c.service)).toEqual(['postgres', 'redis']);
  });

  it('is empty for no containers', () => {
    expect(parseComposePs('\n')).toEqual([]);
  });
});
