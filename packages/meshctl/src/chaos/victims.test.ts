import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { psLines } from '../docker/test-compose-ps.js';
import { fakeDocker, recordedDockerStart, type FakeDocker } from '../docker/test-fake-docker.js';
import { pickVictim } from './victims.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const arch = loadArchitecture(join(repo, 'architecture.yml'));
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('pickVictim in a Docker mesh', () => {
  it('kills a running container of a victim agent with docker kill and brings the same one back healthy', async () => {
    const fake: FakeDocker = fakeDocker({
      composePlugin: 'Docker Compose version v2.29.7',
      ps: psLines([
        { service: 'registry' },
        { service: 'order-agent', state: 'exited', health: '', exitCode: 137 },
        { service: 'user-agent' },
        { service: 'user-agent' },
      ]),
    });
    const { home, state } = recordedDockerStart(
      fake,
      arch,
      { project: 'agent-mesh', layers: [], portOffset: 0 },
      cleanups,
    );
    const lines: string[] = [];
    const victim = await pickVictim(state, {
      home,
      root: fake.root,
      env: fake.env,
      victims: ['order-agent', 'user-agent'],
      random: () => 0.99,
      log: (line) => lines.push(line),
    });
    // The exited order-agent is no candidate; 0.99 picks the last running user-agent.
    expect(victim.label).toBe('user-agent (container agent-mesh-user-agent-4)');
    await victim.kill();
    await victim.restart();
    const calls = fake.calls().filter((call) => /^docker (kill|start) /.test(call));
    expect(calls).toEqual(['docker kill c0ffee3', 'docker start c0ffee3']);
    expect(lines).toEqual(['user-agent (container agent-mesh-user-agent-4) healthy again']);
  });
});
