import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadArchitecture } from '../architecture/load.js';
import { availableLayers, composeFiles } from './compose-project.js';
import { PORT_VARIABLES, publishedPorts, publishEnv, reachableHost } from './published-ports.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const arch = loadArchitecture(join(repo, 'architecture.yml'));
const files = composeFiles(availableLayers(repo));

/** Every `ports:` entry of every compose file, with its service. */
function publishedEntries(): { file: string; service: string; entry: string }[] {
  return files.flatMap((file) => {
    const doc = parse(readFileSync(join(repo, file), 'utf8'), { merge: true }) as {
      services: Record<string, { ports?: string[] }>;
    };
    return Object.entries(doc.services).flatMap(([service, spec]) =>
      (spec.ports ?? []).map((entry) => ({ file, service, entry })),
    );
  });
}

const ENTRY = /^\$\{MESH_PUBLISH_HOST:-127\.0\.0\.1\}:\$\{(MESH_[A-Z_]+_PORT):-(\d+)\}:(\d+)$/;

describe('published ports of the compose files', () => {
  it('bind every port to MESH_PUBLISH_HOST (loopback by default) through a MESH_*_PORT variable meshctl sets', () => {
    const entries = publishedEntries();
    expect(entries.length).toBeGreaterThan(0);
    const known = new Set(Object.values(PORT_VARIABLES));
    for (const { file, service, entry } of entries) {
      const match = ENTRY.exec(entry);
      expect(match, `${file} ${service}: ${entry}`).not.toBeNull();
      expect(known.has(match![1]!), `${file} ${service}: ${match![1]} is not one meshctl sets`).toBe(true);
    }
  });

  it('default to the ports a local start uses (MESH_PORT_OFFSET 0): gateway 8080, registry 8000, SMTP sink 8025', () => {
    const defaults = publishEnv(publishedPorts(arch, 0), '127.0.0.1');
    for (const { file, service, entry } of publishedEntries()) {
      const [, variable, fallback] = ENTRY.exec(entry)!;
      expect(fallback, `${file} ${service}: default of ${variable}`).toBe(defaults[variable!]);
    }
    expect(defaults).toMatchObject({
      MESH_GATEWAY_PORT: '8080',
      MESH_REGISTRY_PORT: '8000',
      MESH_SMTP_SINK_PORT: '8025',
    });
  });

  it('publish the gateway port, registry, SMTP sink and payment sandbox, every variable at most once per file set', () => {
    const seen = publishedEntries().map(({ entry }) => ENTRY.exec(entry)![1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(Object.values(PORT_VARIABLES)));
  });

  it('serve the gateway port from nginx plain HTTP (no fixed host port on the scaled api-gateway)', () => {
    const gateway = publishedEntries().filter(({ entry }) => entry.includes('MESH_GATEWAY_PORT'));
    expect(gateway).toEqual([
      { file: 'deploy/docker-compose.yml', service: 'nginx', entry: expect.stringMatching(/:80$/) as string },
    ]);
  });
});

describe('publishedPorts', () => {
  it('shifts every port by MESH_PORT_OFFSET', () => {
    const ports = publishedPorts(arch, 300);
    expect(ports).toMatchObject({ gateway: 8380, registry: 8300, smtpSink: 8325, http: 380, https: 743 });
  });

  it('reaches ports published on every interface through loopback', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('[::1]');
    expect(reachableHost('192.0.2.7')).toBe('192.0.2.7');
  });
});
