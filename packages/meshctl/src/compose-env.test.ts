import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Every variable a compose file sets must be read by something in the container it goes to: our code (the
 * program the service runs, its libraries, the image's entry point and health check) or the upstream image.
 * A variable nothing reads is a setting that silently does nothing (a tuning knob that tunes nothing, a
 * secret handed to a process that never needed it).
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const deploy = join(root, 'deploy');
const composeFiles = readdirSync(deploy).filter((file) => /^docker-compose.*\.yml$/.test(file));

/** Variables the upstream images read themselves (their documented settings), by image name. */
const UPSTREAM: Readonly<Record<string, (name: string) => boolean>> = {
  postgres: (name) =>
    ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB'].includes(name),
  rabbitmq: (name) => ['RABBITMQ_DEFAULT_USER', 'RABBITMQ_DEFAULT_PASS'].includes(name),
  'grafana/grafana': (name) => name.startsWith('GF_'),
  'jaegertracing/all-in-one': (name) => name === 'COLLECTOR_OTLP_ENABLED',
};

/** Our code each service of the image runs, besides what every one of them runs (entry point, health check). */
const SHARED = [
  'deploy/docker/entrypoint.sh',
  'deploy/docker/probe.sh',
  'packages/common/src',
  'packages/trust/src',
];
function agent(service: string): boolean {
  return service.endsWith('-agent') || service === 'api-gateway';
}
function codeOf(service: string): string[] {
  if (service === 'registry') return ['packages/registry/src'];
  if (service === 'payment-sandbox' || service === 'smtp-sink') return ['packages/sandboxes/src'];
  if (service === 'mesh-certs') return ['deploy/docker/mesh-certs.sh', 'packages/meshctl/src'];
  if (agent(service)) return [`agents/${service.replace(/-agent$/, '')}/src`, 'packages/runtime/src'];
  return [];
}

/** Source files under a path, without tests, test helpers and benchmarks (none of them runs in a container). */
function sources(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [readFileSync(full, 'utf8')];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|mjs|sh)$/.test(file) && !/(\.test\.ts$|(^|\/)test-|(^|\/)bench\/)/.test(file))
    .map((file) => join(full, file))
    .filter((file) => statSync(file).isFile())
    .map((file) => readFileSync(file, 'utf8'));
}

/**
 * The env shapes of @mesh/backends (postgres, redis, rabbitmq): an agent reads their variables only when its
 * config spreads the shape.
 */
const SHAPES = ['postgres-config.ts', 'redis-config.ts'].flatMap((file) => {
  const text = readFileSync(join(root, 'packages/backends/src', file), 'utf8');
  return [...text.matchAll(/export const (\w+EnvShape) = \{([\s\S]*?)\n\};/g)].map(([, shape, body]) => ({
    shape: shape!,
    names: [...body!.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map(([, name]) => name!),
  }));
});

function readsVariable(texts: readonly string[], name: string): boolean {
  const word = new RegExp(`\\b${name}\\b`);
  if (texts.some((text) => word.test(text))) return true;
  // NAME_FILE is read where resolveSecretFiles is given 'NAME'.
  const base = /^(.*)_FILE$/.exec(name)?.[1];
  return (
    base !== undefined &&
    texts.some((text) => text.includes('resolveSecretFiles') && text.includes(`'${base}'`))
  );
}

type Service = { image?: string; environment?: Record<string, unknown> | string[] };

const settings = composeFiles.flatMap((file) => {
  const compose = parse(readFileSync(join(deploy, file), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  return Object.entries(compose.services).flatMap(([service, definition]) => {
    const environment = definition.environment ?? {};
    const names = Array.isArray(environment)
      ? environment.map((entry) => entry.split('=')[0]!)
      : Object.keys(environment);
    return names.map((name) => ({ file, service, image: definition.image ?? '', name }));
  });
});

describe('compose environment variables', () => {
  it('finds the settings it checks', () => {
    expect(settings.length).toBeGreaterThan(50);
  });

  it.each(settings.map((setting) => [`${setting.file}: ${setting.service}: ${setting.name}`, setting]))(
    '%s is read by the container it is set for',
    (_label, setting) => {
      const { service, image, name } = setting as (typeof settings)[number];
      const upstream = Object.entries(UPSTREAM).find(([prefix]) => image.startsWith(`${prefix}:`));
      if (upstream !== undefined) {
        const texts = service === 'postgres' ? sources('deploy/postgres/init') : [];
        expect(upstream[1](name) || readsVariable(texts, name), `${image} does not read ${name}`).toBe(true);
        return;
      }
      const own = codeOf(service);
      expect(own, `${service}: not a service of the image, and no upstream image known`).not.toEqual([]);
      const texts = [...SHARED, ...own].flatMap(sources);
      const bare = name.replace(/_FILE$/, '');
      const shapes = SHAPES.filter(({ names }) => names.includes(bare));
      if (agent(service) && shapes.length > 0) {
        const config = readFileSync(join(root, own[0]!, 'config.ts'), 'utf8');
        expect(
          shapes.some(({ shape }) => config.includes(shape)),
          `${service} does not read ${name}: its config spreads no ${shapes.map((s) => s.shape).join(' or ')}`,
        ).toBe(true);
        if (name !== bare) expect(readsVariable(texts, name), `${service} resolves no ${name}`).toBe(true);
        return;
      }
      expect(readsVariable(texts, name), `nothing ${service} runs reads ${name}`).toBe(true);
    },
  );
});
