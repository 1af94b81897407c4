import { afterEach, describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { parseComposeVersion } from './compose-cli.js';
import { chooseMode } from './mesh-mode.js';
import { fakeDocker, type FakeDocker, type FakeDockerSpec } from './test-fake-docker.js';

const fakes: FakeDocker[] = [];
function setup(spec: FakeDockerSpec): FakeDocker {
  const fake = fakeDocker(spec);
  fakes.push(fake);
  return fake;
}

afterEach(() => {
  for (const fake of fakes.splice(0)) fake.remove();
});

const V1 = 'docker-compose version 1.29.2, build unknown';
const V2 = 'Docker Compose version v2.29.7';

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error: unknown) {
    if (isMeshError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('chooseMode', () => {
  it('uses local processes when `docker info` fails (a client without an engine)', () => {
    const fake = setup({ info: 1, composePlugin: V2 });
    expect(chooseMode('auto', fake.root, fake.env)).toEqual({ mode: 'local' });
  });

  it('uses Docker when the engine answers and Compose v2 exists', () => {
    const fake = setup({ composePlugin: V2 });
    const decision = chooseMode('auto', fake.root, fake.env);
    expect(decision.mode).toBe('docker');
    if (decision.mode === 'docker') {
      expect(decision.compose.command).toEqual(['docker', 'compose']);
      expect(decision.compose.version).toMatchObject({ major: 2, minor: 29, patch: 7 });
    }
  });

  it('refuses Compose v1 and uses local processes, saying what it found, what is needed and how to get it', () => {
    const fake = setup({ legacyCompose: V1 });
    const decision = chooseMode('auto', fake.root, fake.env);
    expect(decision.mode).toBe('local');
    const notice = decision.mode === 'local' ? (decision.notice ?? '') : '';
    expect(notice).toContain('found docker-compose 1.29.2');
    expect(notice).toContain('needs Docker Compose v2 or later');
    expect(notice).toContain('~/.docker/cli-plugins/docker-compose');
    expect(notice).toContain('Using local processes instead');
    // Only version questions were asked: nothing was started with v1.
    expect(fake.calls().filter((call) => !/ (info|version)$/.test(call))).toEqual([]);
  });

  it('fails with MESH_MODE=docker and only Compose v1, with the same explanation', () => {
    const fake = setup({ legacyCompose: V1 });
    const { code, message } = refusal(() => chooseMode('docker', fake.root, fake.env));
    expect(code).toBe('COMPOSE_V2_REQUIRED');
    expect(message).toContain('found docker-compose 1.29.2');
    expect(message).toContain('MESH_MODE=docker: nothing started');
  });

  it('fails with MESH_MODE=docker when no engine answers', () => {
    const fake = setup({ info: 1, composePlugin: V2 });
    expect(refusal(() => chooseMode('docker', fake.root, fake.env)).code).toBe('DOCKER_UNAVAILABLE');
  });

  it('accepts a standalone docker-compose binary of v2 or later', () => {
    const fake = setup({ legacyCompose: 'Docker Compose version v2.40.3' });
    const decision = chooseMode('auto', fake.root, fake.env);
    expect(decision.mode === 'docker' && decision.compose.command).toEqual(['docker-compose']);
  });

  it('never asks Docker anything with MESH_MODE=local', () => {
    const fake = setup({ composePlugin: V2 });
    expect(chooseMode('local', fake.root, fake.env)).toEqual({ mode: 'local' });
    expect(fake.calls()).toEqual([]);
  });
});

describe('parseComposeVersion', () => {
  it('reads the plugin, v1 and --short spellings', () => {
    expect(parseComposeVersion('Docker Compose version v2.29.7\n')).toMatchObject({
      major: 2,
      text: 'v2.29.7',
    });
    expect(parseComposeVersion(V1)).toMatchObject({ major: 1, minor: 29, patch: 2, text: '1.29.2' });
    expect(parseComposeVersion('5.6.0')).toMatchObject({ major: 5, minor: 6, patch: 0 });
    expect(parseComposeVersion('Docker Compose version v2.0.0+unknown')?.major).toBe(2);
  });

  it('is undefined when no version is printed', () => {
    expect(parseComposeVersion('Docker Compose version dev')).toBeUndefined();
  });
});
