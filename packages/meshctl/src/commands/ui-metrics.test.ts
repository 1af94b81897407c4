import { describe, expect, it } from 'vitest';
import type { ComposeRecord } from '../docker/compose-project.js';
import { dockerState } from '../docker/docker-state.js';
import type { PublishedPorts } from '../docker/published-ports.js';
import type { MeshState } from '../local/state.js';
import { chooseUiMetrics } from './ui-metrics.js';

function docker(layers: string[], publishHost = '127.0.0.1'): MeshState {
  const record: ComposeRecord = {
    command: ['docker', 'compose'],
    project: 'agent-mesh',
    files: ['deploy/docker-compose.yml'],
    layers,
    publishHost,
    ports: { registry: 8100, gateway: 8180, prometheus: 9190 } as unknown as PublishedPorts,
  };
  return dockerState('/repo', '/repo/.mesh', record, 'mesh.local');
}

const local: MeshState = {
  version: 1,
  mode: 'local',
  root: '/repo',
  startedAt: '2026-01-01T00:00:00Z',
  registryUrl: 'https://127.0.0.1:8000',
  processes: [],
};

describe('chooseUiMetrics', () => {
  it('scrapes the replicas of a local mesh, or when no mesh state is there', () => {
    expect(chooseUiMetrics({ state: local })).toEqual({ kind: 'replicas' });
    expect(chooseUiMetrics({ state: undefined })).toEqual({ kind: 'replicas' });
  });

  it("reads a Docker mesh's rates from the Prometheus it published (offset ports included)", () => {
    const choice = chooseUiMetrics({ state: docker(['monitoring']) });
    expect(choice).toMatchObject({ kind: 'prometheus', url: 'http://127.0.0.1:9190' });
    expect(chooseUiMetrics({ state: docker([], '0.0.0.0') })).toMatchObject({ url: 'http://127.0.0.1:9190' });
  });

  it('tells how to get a Prometheus when the start had no monitoring layer', () => {
    const choice = chooseUiMetrics({ state: docker([]) });
    expect(choice.kind === 'prometheus' && choice.advice).toContain('--layer monitoring');
    expect(choice.kind === 'prometheus' && choice.advice).toContain('compose-internal');
  });

  it('takes a Prometheus named explicitly over everything else', () => {
    for (const state of [local, docker(['monitoring']), undefined])
      expect(chooseUiMetrics({ prometheusUrl: 'http://127.0.0.1:9091/', state })).toMatchObject({
        kind: 'prometheus',
        url: 'http://127.0.0.1:9091',
      });
  });
});
