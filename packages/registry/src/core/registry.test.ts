import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { FakeClock } from './clock.js';
import { Registry } from './registry.js';
import { parseRegistration } from './validate-registration.js';

const TIMEOUT = 20_000;
const EVICT = 60_000;

function registration(
  agentId: string,
  capability: string,
  deps: string[] = [],
  extra: Record<string, unknown> = {},
) {
  return parseRegistration({
    agent_id: agentId,
    name: agentId.replace(/-\d+$/, ''),
    http_host: '127.0.0.1',
    http_port: 9000,
    ...extra,
    tools: [
      { function_name: capability, capability, dependencies: deps.map((capability) => ({ capability })) },
    ],
  }).registration;
}

describe('Registry health transitions', () => {
  let clock: FakeClock;
  let store: MemoryStore;
  let registry: Registry;

  beforeEach(async () => {
    clock = new FakeClock();
    store = new MemoryStore();
    registry = new Registry({ store, clock });
    await registry.start();
  });

  it('marks an agent unhealthy only after the timeout passes without a heartbeat', async () => {
    await registry.heartbeat(registration('a', 'cap-a'));
    clock.advance(TIMEOUT - 1);
    expect((await registry.checkHealth(TIMEOUT, EVICT)).unhealthy).toEqual([]);
    clock.advance(2);
    expect((await registry.checkHealth(TIMEOUT, EVICT)).unhealthy).toEqual(['a']);
    expect(registry.getAgent('a')?.record.status).toBe('unhealthy');
    expect((await registry.checkHealth(TIMEOUT, EVICT)).unhealthy).toEqual([]);
  });

  it('counts a HEAD heartbeat as a sign of life', async () => {
    await registry.heartbeat(registration('a', 'cap-a'));
    clock.advance(15_000);
    expect(await registry.headHeartbeat('a')).toBe(200);
    clock.advance(15_000);
    expect((await registry.checkHealth(TIMEOUT, EVICT)).unhealthy).toEqual([]);
  });

  it('writes every transition to the event log, oldest last', async () => {
    await registry.heartbeat(registration('a', 'cap-a'));
    clock.advance(TIMEOUT + 1);
    await registry.checkHealth(TIMEOUT, EVICT);
    await registry.heartbeat(registration('a', 'cap-a'));
    clock.advance(TIMEOUT + 1);
    await registry.checkHealth(TIMEOUT, EVICT);
    expect(await registry.headHeartbeat('a')).toBe(410);
    clock.advance(EVICT - TIMEOUT - 2);
    expect((await registry.checkHealth(TIMEOUT, EVICT)).evicted).toEqual([]);
    clock.advance(2);
    expect((await registry.checkHealth(TIMEOUT, EVICT)).evicted).toEqual(['a']);
    const events = await registry.listEvents({ limit: 50 });
    expect(events.map((e) => [e.event_type, e.data?.['new_status']])).toEqual([
      ['expire', undefined],
      ['unhealthy', 'unhealthy'],
      ['update', 'healthy'],
      ['unhealthy', 'unhealthy'],
      ['register', undefined],
    ]);
    expect(registry.getAgent('a')).toBeUndefined();
  });

  it('answers HEAD with 410 for unknown and unhealthy agents', async () => {
    expect(await registry.headHeartbeat('nobody')).toBe(410);
    await registry.heartbeat(registration('a', 'cap-a'));
    clock.advance(TIMEOUT + 1);
    await registry.checkHealth(TIMEOUT, EVICT);
    expect(await registry.headHeartbeat('a')).toBe(410);
  });

  it('stops resolving to an unhealthy provider and resolves again once it heartbeats', async () => {
    await registry.heartbeat(registration('provider', 'stock'));
    const first = await registry.heartbeat(registration('consumer', 'orders', ['stock']));
    expect(first.resolvedJson).toContain('"agent_id":"provider"');
    clock.advance(TIMEOUT - 1);
    await registry.headHeartbeat('consumer');
    clock.advance(2);
    await registry.checkHealth(TIMEOUT, EVICT);
    expect(await registry.headHeartbeat('consumer')).toBe(202);
    const second = await registry.heartbeat(registration('consumer', 'orders', ['stock']));
    expect(JSON.parse(second.resolvedJson)).toEqual({
      orders: [{ agent_id: '', function_name: '', endpoint: '', capability: 'stock', status: 'unresolved' }],
    });
    await registry.heartbeat(registration('provider', 'stock'));
    expect(await registry.headHeartbeat('consumer')).toBe(202);
  });
});

describe('Registry HEAD relevance', () => {
  let registry: Registry;

  beforeEach(async () => {
    registry = new Registry({ store: new MemoryStore(), clock: new FakeClock() });
    await registry.start();
    await registry.heartbeat(registration('db-1', 'data'));
    await registry.heartbeat(registration('consumer', 'orders', ['data']));
  });

  it('answers 200 while nothing changed', async () => {
    expect(await registry.headHeartbeat('consumer')).toBe(200);
    expect(await registry.headHeartbeat('consumer')).toBe(200);
  });

  it('answers 200 when an unrelated agent registers, changes or leaves', async () => {
    await registry.heartbeat(registration('mail-1', 'email'));
    await registry.heartbeat(registration('mail-1', 'email', [], { http_port: 9999 }));
    await registry.unregister('mail-1');
    expect(await registry.headHeartbeat('consumer')).toBe(200);
  });

  it('answers 200 when a provider of the capability appears that the dependency rejects', async () => {
    await registry.heartbeat(
      parseRegistration({
        agent_id: 'picky',
        tools: [
          {
            function_name: 'orders',
            capability: 'orders',
            dependencies: [{ capability: 'data', tags: ['sql'] }],
          },
        ],
      }).registration,
    );
    expect(await registry.headHeartbeat('picky')).toBe(200);
    await registry.heartbeat(registration('nosql-1', 'data'));
    expect(await registry.headHeartbeat('picky')).toBe(200);
  });

  it('answers 202 when a replica of its provider appears, until it re-POSTs', async () => {
    await registry.heartbeat(registration('db-2', 'data', [], { http_port: 9001 }));
    expect(await registry.headHeartbeat('consumer')).toBe(202);
    expect(await registry.headHeartbeat('consumer')).toBe(202);
    const result = await registry.heartbeat(registration('consumer', 'orders', ['data']));
    expect(JSON.parse(result.resolvedJson).orders[0].providers).toHaveLength(2);
    expect(await registry.headHeartbeat('consumer')).toBe(200);
  });

  it('answers 202 when its provider changes endpoint or unregisters', async () => {
    await registry.heartbeat(registration('db-1', 'data', [], { http_port: 9100 }));
    expect(await registry.headHeartbeat('consumer')).toBe(202);
    await registry.heartbeat(registration('consumer', 'orders', ['data']));
    await registry.unregister('db-1');
    expect(await registry.headHeartbeat('consumer')).toBe(202);
  });

  it('answers 200 again when a change was undone before the next HEAD', async () => {
    await registry.heartbeat(registration('db-1', 'data', [], { http_port: 9100 }));
    await registry.heartbeat(registration('db-1', 'data'));
    expect(await registry.headHeartbeat('consumer')).toBe(200);
  });

  it('signals watchers only for relevant changes', async () => {
    const versions: number[] = [];
    registry.watch('consumer', (version) => versions.push(version));
    await registry.heartbeat(registration('mail-1', 'email'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(versions).toEqual([]);
    await registry.heartbeat(registration('db-2', 'data', [], { http_port: 9001 }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(versions).toHaveLength(1);
  });
});
