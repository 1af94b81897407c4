import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { FakeClock } from './clock.js';
import { Registry } from './registry.js';
import { parseRegistration } from './validate-registration.js';

function agent(agentId: string, capability: string, deps: string[] = [], port = 9000) {
  return parseRegistration({
    agent_id: agentId,
    name: agentId.replace(/-\d+$/, ''),
    http_host: '127.0.0.1',
    http_port: port,
    tools: [
      { function_name: capability, capability, dependencies: deps.map((capability) => ({ capability })) },
    ],
  }).registration;
}

describe('dependency events', () => {
  let registry: Registry;

  beforeEach(async () => {
    registry = new Registry({ store: new MemoryStore(), clock: new FakeClock() });
    await registry.start();
  });

  const dependencyEvents = async () =>
    (await registry.listEvents({ limit: 50 }))
      .filter((event) => event.event_type.startsWith('dependency_'))
      .reverse()
      .map((event) => [event.event_type, event.function_name, event.data?.['provider_agent_id'] ?? null]);

  it('records each change of what a consumer resolves, once, and nothing for repeated heartbeats', async () => {
    const consumer = agent('shop-1', 'checkout', ['pricing']);
    await registry.heartbeat(consumer);
    await registry.heartbeat(consumer);
    await registry.heartbeat(agent('pricing-1', 'pricing'));
    expect(await registry.headHeartbeat('shop-1')).toBe(202);
    await registry.heartbeat(consumer);
    await registry.heartbeat(consumer);
    // A replica of the winner changes the provider list only: no event.
    await registry.heartbeat(agent('pricing-2', 'pricing', [], 9001));
    await registry.heartbeat(consumer);
    await registry.unregister('pricing-1');
    await registry.heartbeat(consumer);
    await registry.unregister('pricing-2');
    await registry.heartbeat(consumer);
    expect(await dependencyEvents()).toEqual([
      ['dependency_unresolved', 'checkout', null],
      ['dependency_resolved', 'checkout', 'pricing-1'],
      ['dependency_resolved', 'checkout', 'pricing-2'],
      ['dependency_unresolved', 'checkout', null],
    ]);
    const [rebound] = await registry.listEvents({ limit: 1, function_name: 'checkout' });
    expect(rebound?.data).toMatchObject({ capability: 'pricing', previous_agent_id: 'pricing-2' });
  });

  it('filters dependency events by type and consumer', async () => {
    await registry.heartbeat(agent('pricing-1', 'pricing'));
    await registry.heartbeat(agent('shop-1', 'checkout', ['pricing', 'tax']));
    const resolved = await registry.listEvents({
      type: 'dependency_resolved',
      agent_id: 'shop-1',
      limit: 10,
    });
    const unresolved = await registry.listEvents({ type: 'dependency_unresolved', limit: 10 });
    expect(resolved.map((event) => event.data?.['capability'])).toEqual(['pricing']);
    expect(unresolved.map((event) => [event.agent_id, event.data?.['capability']])).toEqual([
      ['shop-1', 'tax'],
    ]);
  });
});
