import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { readState, writeState } from '../local/state.js';
import { operatorTls } from '../tls/local-tls.js';
import { parseComposeVersion } from './compose-cli.js';
import { dockerUp, dockerWaves, type DockerUpOptions } from './docker-up.js';
import { fakeDocker, type FakeDocker, type FakeDockerSpec } from './test-fake-docker.js';
import { psLines } from './test-compose-ps.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const arch = loadArchitecture(join(repo, 'architecture.yml'));
const SERVICES = [
  'mesh-certs',
  'postgres',
  'redis',
  'registry',
  'payment-sandbox',
  'smtp-sink',
  ...arch.agents.map((a) => a.name),
  'nginx',
];
const cleanups: (() => void)[] = [];

function setup(spec: FakeDockerSpec = {}) {
  const fake: FakeDocker = fakeDocker({
    composePlugin: 'Docker Compose version v2.29.7',
    services: SERVICES,
    ps: psLines([
      { service: 'mesh-certs', state: 'exited', health: '' },
      { service: 'registry', port: [8300, 8000] },
      { service: 'order-agent' },
      { service: 'user-agent' },
      { service: 'user-agent' },
      { service: 'nginx', port: [8380, 80] },
    ]),
    ...spec,
  });
  const home = mkdtempSync(join(tmpdir(), 'meshctl-docker-home-'));
  cleanups.push(
    () => fake.remove(),
    () => rmSync(home, { recursive: true, force: true }),
  );
  const lines: string[] = [];
  const options: DockerUpOptions = {
    root: fake.root,
    home,
    env: fake.env,
    compose: { command: ['docker', 'compose'], version: parseComposeVersion('v2.29.7')! },
    project: 'agent-mesh',
    layers: [],
    portOffset: 300,
    publishHost: '127.0.0.1',
    timeoutMs: 30_000,
    log: (line) => lines.push(line),
  };
  return { fake, home, lines, options };
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('dockerWaves', () => {
  it('starts infrastructure first, then agents in dependency order, nginx last; mesh-certs only as a dependency', () => {
    const waves = dockerWaves(arch, [...SERVICES, 'rabbitmq']);
    expect(waves[0]).toEqual(['postgres', 'redis', 'registry', 'payment-sandbox', 'smtp-sink', 'rabbitmq']);
    expect(waves.at(-1)).toEqual(['nginx']);
    expect(waves.at(-2)).toEqual(['api-gateway']);
    const flat = waves.flat();
    expect(flat).not.toContain('mesh-certs');
    expect(flat.indexOf('order-agent')).toBeGreaterThan(flat.indexOf('user-agent'));
    expect(flat.indexOf('user-agent')).toBeGreaterThan(flat.indexOf('auth-agent'));
  });
});

describe('dockerUp', () => {
  it('starts wave by wave with up --wait under one project, ports shifted by MESH_PORT_OFFSET on loopback', async () => {
    const { fake, options, lines } = setup();
    expect(await dockerUp(arch, options)).toBe(0);
    const ups = fake.calls().filter((call) => call.includes(' up '));
    expect(ups[0]).toBe(
      'docker compose -p agent-mesh -f deploy/docker-compose.yml up --detach --wait --wait-timeout 120 ' +
        'postgres redis registry payment-sandbox smtp-sink',
    );
    expect(ups.at(-1)).toMatch(/ up --detach --wait --wait-timeout 120 nginx$/);
    expect(ups).toHaveLength(dockerWaves(arch, SERVICES).length);
    expect(fake.upEnv()).toMatchObject({
      COMPOSE_PROJECT_NAME: 'agent-mesh',
      MESH_PUBLISH_HOST: '127.0.0.1',
      MESH_GATEWAY_PORT: '8380',
      MESH_REGISTRY_PORT: '8300',
      MESH_SMTP_SINK_PORT: '8325',
      MESH_PAYMENT_SANDBOX_PORT: '8390',
      MESH_HTTP_PORT: '380',
      MESH_HTTPS_PORT: '743',
    });
    expect(lines).toContain('Registry: https://127.0.0.1:8300   Gateway: http://127.0.0.1:8380');
    expect(lines.some((l) => /^All 3 agent containers ready in \d+\.\d\d s\.$/.test(l))).toBe(true);
    expect(lines).toContain('Stop:    ./scripts/stop-multi-agent.sh   (or bin/meshctl down)');
  });

  it('leaves out the services MESH_COMPOSE_SKIP names, and refuses a name that is no service', async () => {
    const { fake, options, lines } = setup();
    expect(await dockerUp(arch, { ...options, skip: ['smtp-sink'] })).toBe(0);
    const ups = fake.calls().filter((call) => call.includes(' up '));
    expect(ups[0]).toMatch(/ postgres redis registry payment-sandbox$/);
    expect(lines).toContain('docker: not starting smtp-sink (MESH_COMPOSE_SKIP)');
    await expect(dockerUp(arch, { ...setup().options, skip: ['grafana'] })).rejects.toThrow(
      /MESH_COMPOSE_SKIP names grafana, not a service of deploy\/docker-compose.yml/,
    );
  });

  it('records the mesh in state.json (mode, project, files, ports) so stop, status and logs find it', async () => {
    const { options, home } = setup();
    await dockerUp(arch, { ...options, project: 'meshctl-test', layers: ['event-driven', 'monitoring'] });
    const state = readState(home)!;
    expect(state.mode).toBe('docker');
    expect(state.processes).toEqual([]);
    expect(state.gatewayUrl).toBe('http://127.0.0.1:8380');
    expect(state.registryUrl).toBe('https://127.0.0.1:8300');
    expect(state.compose).toMatchObject({
      command: ['docker', 'compose'],
      project: 'meshctl-test',
      files: [
        'deploy/docker-compose.yml',
        'deploy/docker-compose.event-driven.yml',
        'deploy/docker-compose.monitoring.yml',
      ],
      layers: ['event-driven', 'monitoring'],
      publishHost: '127.0.0.1',
    });
    expect(state.compose?.ports.gateway).toBe(8380);
    expect(state.readyMs).toBeGreaterThanOrEqual(0);
  });

  it('copies the operator certificate out of the certificate step, private, where operatorTls finds it', async () => {
    const { fake, options, home } = setup();
    await dockerUp(arch, options);
    const copies = fake.calls().filter((call) => call.startsWith('docker cp '));
    expect(copies.map((call) => call.split(' ')[2])).toEqual([
      'c0ffee0:/mesh-pki/ca.crt',
      'c0ffee0:/mesh-pki/operator/meshctl.crt',
      'c0ffee0:/mesh-pki/operator/meshctl.key',
    ]);
    const dir = join(home, 'docker-tls');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'operator/meshctl.key')).mode & 0o777).toBe(0o600);
    expect(operatorTls(home, {})?.cert?.toString()).toContain('/mesh-pki/operator/meshctl.crt');
  });

  it('fails when a wave does not become healthy, keeping the state so the stop script cleans up', async () => {
    const { options, lines, home } = setup({ upFailsFor: 'order-agent' });
    expect(await dockerUp(arch, options)).not.toBe(0);
    // order-agent starts in one wave with product-agent (both wait only on the agents below them).
    expect(lines.join('\n')).toContain(
      'START FAILED: order-agent, product-agent did not become healthy within 120 s.',
    );
    expect(readState(home)?.mode).toBe('docker');
  });

  it('says the mesh already runs when its recorded containers run, and starts nothing', async () => {
    const { fake, options, lines } = setup();
    expect(await dockerUp(arch, options)).toBe(0);
    const before = fake.calls().length;
    lines.length = 0;
    expect(await dockerUp(arch, { ...options, layers: ['monitoring'] })).toBe(0);
    expect(lines[0]).toMatch(
      /^The mesh is already running \(.*state\.json, docker compose -p agent-mesh -f deploy\/docker-compose\.yml\):$/,
    );
    expect(
      fake
        .calls()
        .slice(before)
        .filter((call) => !call.includes(' ps ')),
    ).toEqual([]);
  });

  it('starts afresh over a recorded Docker mesh none of whose containers runs', async () => {
    const { fake, options } = setup({ ps: '' });
    await dockerUp(arch, options);
    const before = fake.calls().filter((call) => call.includes(' up ')).length;
    await dockerUp(arch, options);
    expect(fake.calls().filter((call) => call.includes(' up ')).length).toBe(2 * before);
  });

  it('refuses to start while a local mesh runs', async () => {
    const { options, home, fake } = setup();
    writeState(home, {
      version: 1,
      mode: 'local',
      root: fake.root,
      startedAt: new Date().toISOString(),
      registryUrl: 'http://127.0.0.1:8000',
      processes: [
        {
          name: 'registry',
          kind: 'registry',
          replica: 1,
          pid: process.pid,
          log: 'x',
          args: [],
          env: {},
          startedAt: '',
        },
      ],
    });
    await expect(dockerUp(arch, options)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(fake.calls().filter((call) => call.includes(' up '))).toEqual([]);
  });
});
