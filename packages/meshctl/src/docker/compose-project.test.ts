import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableLayers, composeFiles, selectLayers, withProfileLayer } from './compose-project.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));

describe('compose layers', () => {
  it('are the deploy/docker-compose.<layer>.yml files', () => {
    expect(availableLayers(repo)).toEqual(['event-driven', 'microservices', 'monitoring']);
    expect(availableLayers(join(repo, 'no-such-dir'))).toEqual([]);
  });

  it('come from --layer flags (repeated or comma-separated) before MESH_COMPOSE_LAYERS, without duplicates', () => {
    expect(selectLayers(repo, ['event-driven', 'monitoring,event-driven'], 'microservices')).toEqual([
      'event-driven',
      'monitoring',
    ]);
    expect(selectLayers(repo, [], ' monitoring , event-driven ')).toEqual(['monitoring', 'event-driven']);
    expect(selectLayers(repo, [], undefined)).toEqual([]);
  });

  it('refuse an unknown layer, listing the known ones', () => {
    expect(() => selectLayers(repo, ['monitorin'], undefined)).toThrow(
      /unknown compose layer "monitorin": expected event-driven, microservices, monitoring/,
    );
  });

  it('become -f files after the base file, in the order given', () => {
    expect(composeFiles(['monitoring', 'event-driven'])).toEqual([
      'deploy/docker-compose.yml',
      'deploy/docker-compose.monitoring.yml',
      'deploy/docker-compose.event-driven.yml',
    ]);
  });

  it("gain a profile's own layer once, and refuse a profile without one", () => {
    expect(withProfileLayer(repo, ['event-driven'], 'microservices')).toEqual([
      'event-driven',
      'microservices',
    ]);
    expect(withProfileLayer(repo, ['microservices'], 'microservices')).toEqual(['microservices']);
    expect(withProfileLayer(repo, ['monitoring'], undefined)).toEqual(['monitoring']);
    expect(() => withProfileLayer(repo, [], 'tiny')).toThrow(
      /profile "tiny" has no compose layer \(deploy\/docker-compose\.tiny\.yml\)/,
    );
  });
});
