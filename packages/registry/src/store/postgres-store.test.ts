import { createTestDatabase, realServerUrl } from '@mesh/testkit';
import type { TestDatabase } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAgentRecord } from '../core/agent-record.js';
import { FakeClock } from '../core/clock.js';
import { Registry } from '../core/registry.js';
import { parseRegistration } from '../core/validate-registration.js';
import { PostgresStore } from './postgres-store.js';

const adminUrl = realServerUrl('postgres');

function record(agentId: string, capability: string, now: number, deps: string[] = []) {
  const { registration } = parseRegistration({
    agent_id: agentId,
    http_host: '127.0.0.1',
    http_port: 9000,
    tools: [{ function_name: capability, capability, dependencies: deps.map((c) => ({ capability: c })) }],
  });
  return { registration, record: toAgentRecord(registration, now, undefined) };
}

describe.skipIf(!adminUrl)('PostgresStore on a real PostgreSQL', { timeout: 30_000 }, () => {
  let db: TestDatabase;
  let first: PostgresStore;
  let second: PostgresStore;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl!, 'registry');
    first = new PostgresStore({ connectionString: db.url, touchFlushMs: 50 });
    second = new PostgresStore({ connectionString: db.url, touchFlushMs: 50 });
    // Both replicas migrate at once: the advisory lock must serialise them.
    await Promise.all([first.init(), second.init()]);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
  });

  it('saves, updates and loads agents, telling a first insert from an update', async () => {
    const { record: a } = record('pg-a', 'cap-a', 1000);
    expect(await first.saveAgent(a)).toEqual({ inserted: true });
    expect(await second.saveAgent({ ...a, last_seen: 2000 })).toEqual({ inserted: false });
    const loaded = await second.getAgent('pg-a');
    expect(loaded).toEqual({ ...a, last_seen: 2000 });
    expect((await first.loadAgents()).map((r) => r.agent_id)).toContain('pg-a');
  });

  it('writes batched heartbeat times and never moves them backwards', async () => {
    const { record: b } = record('pg-b', 'cap-b', 1000);
    await first.saveAgent(b);
    first.touch('pg-b', 5000);
    first.touch('pg-b', 4000);
    await first.flushTouches();
    second.touch('pg-b', 3000);
    await second.flushTouches();
    expect((await second.getAgent('pg-b'))?.last_seen).toBe(5000);
  });

  it('skips writing heartbeat times less than half the minimum step newer than the last one written', async () => {
    const { record: c } = record('pg-c', 'cap-c', 1000);
    await first.saveAgent(c);
    first.touch('pg-c', 10_000);
    await first.flushTouches();
    first.touch('pg-c', 12_499);
    await first.flushTouches();
    expect((await second.getAgent('pg-c'))?.last_seen).toBe(10_000);
    first.touch('pg-c', 15_000);
    await first.flushTouches();
    expect((await second.getAgent('pg-c'))?.last_seen).toBe(15_000);
  });

  it('makes each unhealthy transition and eviction happen on exactly one replica', async () => {
    const ids = ['race-1', 'race-2', 'race-3'];
    for (const id of ids) await first.saveAgent(record(id, `cap-${id}`, 100).record);
    const [x, y] = await Promise.all([
      first.markStaleUnhealthy(200, 300),
      second.markStaleUnhealthy(200, 300),
    ]);
    expect([...x, ...y].filter((id) => id.startsWith('race')).sort()).toEqual(ids);
    expect((await first.getAgent('race-1'))?.status).toBe('unhealthy');
    const [p, q] = await Promise.all([first.evictUnhealthy(200), second.evictUnhealthy(200)]);
    expect([...p, ...q].filter((id) => id.startsWith('race')).sort()).toEqual(ids);
    expect(await first.getAgent('race-1')).toBeUndefined();
  });

  it('deletes agents and reports whether one existed', async () => {
    await first.saveAgent(record('pg-del', 'cap', 1).record);
    expect((await second.deleteAgent('pg-del'))?.agent_id).toBe('pg-del');
    expect(await first.deleteAgent('pg-del')).toBeUndefined();
  });

  it('stores events and filters them newest first', async () => {
    await first.appendEvents([
      { event_type: 'register', agent_id: 'ev-1', agent_name: 'ev', timestamp: 1, data: { endpoint: 'x' } },
      { event_type: 'unhealthy', agent_id: 'ev-1', timestamp: 2 },
      { event_type: 'register', agent_id: 'ev-2', timestamp: 3 },
    ]);
    const events = await second.listEvents({ agent_id: 'ev-1', limit: 10 });
    expect(events).toEqual([
      { event_type: 'unhealthy', agent_id: 'ev-1', timestamp: 2 },
      { event_type: 'register', agent_id: 'ev-1', agent_name: 'ev', timestamp: 1, data: { endpoint: 'x' } },
    ]);
    expect(await second.listEvents({ type: 'register', limit: 1 })).toHaveLength(1);
  });

  it('lets a registry on one replica see and resolve what the other registered', async () => {
    const clock = new FakeClock(Date.now());
    const registryA = new Registry({ store: first, clock });
    const registryB = new Registry({ store: second, clock });
    await registryA.start();
    await registryB.start();
    await registryA.heartbeat(record('shared-provider', 'inventory', clock.now()).registration);
    const deadline = Date.now() + 5000;
    while (registryB.getAgent('shared-provider') === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await registryB.heartbeat(
      record('shared-consumer', 'orders', clock.now(), ['inventory']).registration,
    );
    expect(JSON.parse(result.resolvedJson)).toMatchObject({
      orders: [{ agent_id: 'shared-provider', status: 'available' }],
    });
    // The resolution was recorded once, in the shared event log, by the replica that answered.
    await registryB.heartbeat(record('shared-consumer', 'orders', clock.now(), ['inventory']).registration);
    const events = await registryA.listEvents({ agent_id: 'shared-consumer', limit: 10 });
    expect(events.map((event) => [event.event_type, event.data?.['provider_agent_id']])).toEqual([
      ['dependency_resolved', 'shared-provider'],
      ['register', undefined],
    ]);
  });

  it('stores canaries shared by replicas, and a replica hears of a change made on the other', async () => {
    const clock = new FakeClock(Date.now());
    const registryB = new Registry({ store: second, clock });
    await registryB.start();
    await first.saveCanary({ agent_name: 'pg-canary', version: '2.0.0', weight: 10, updated_at: 1 });
    expect(await second.loadCanaries()).toContainEqual({
      agent_name: 'pg-canary',
      version: '2.0.0',
      weight: 10,
      updated_at: 1,
    });
    const deadline = Date.now() + 5000;
    while (registryB.getCanary('pg-canary') === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(registryB.getCanary('pg-canary')?.weight).toBe(10);
    await first.saveCanary({ agent_name: 'pg-canary', version: '2.0.0', weight: 25, updated_at: 2 });
    expect((await second.loadCanaries()).find((c) => c.agent_name === 'pg-canary')?.weight).toBe(25);
    expect((await second.deleteCanary('pg-canary'))?.weight).toBe(25);
    expect(await first.deleteCanary('pg-canary')).toBeUndefined();
  });
});
