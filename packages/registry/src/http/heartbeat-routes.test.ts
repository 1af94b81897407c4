import { afterEach, describe, expect, it } from 'vitest';
import type { CanaryRecord } from '../core/canary.js';
import type { AgentRecord, EventFilter, RegistryEvent } from '../core/types.js';
import { MemoryStore } from '../store/memory-store.js';
import type { RegistryStore, SaveResult } from '../store/registry-store.js';
import { agentBody, head, postJson, startRegistry } from '../test-support.js';
import type { RunningRegistry } from '../test-support.js';

/** A shared store (as PostgreSQL is) whose reads can be made to fail, as when the database goes away. */
class FailingStore implements RegistryStore {
  readonly kind = 'postgres';
  failing = false;
  readonly #inner = new MemoryStore();

  #check(): void {
    if (this.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
  async init(): Promise<void> {}
  async loadAgents(): Promise<AgentRecord[]> {
    this.#check();
    return this.#inner.loadAgents();
  }
  async getAgent(agentId: string): Promise<AgentRecord | undefined> {
    this.#check();
    return this.#inner.getAgent(agentId);
  }
  async saveAgent(record: AgentRecord): Promise<SaveResult> {
    this.#check();
    return this.#inner.saveAgent(record);
  }
  touch(agentId: string, lastSeen: number): void {
    this.#inner.touch(agentId, lastSeen);
  }
  async recordSent(): Promise<void> {
    this.#check();
  }
  async sentHash(): Promise<string | undefined> {
    this.#check();
    return undefined;
  }
  async flushTouches(): Promise<void> {}
  async deleteAgent(agentId: string): Promise<AgentRecord | undefined> {
    return this.#inner.deleteAgent(agentId);
  }
  async markStaleUnhealthy(cutoff: number, now: number): Promise<string[]> {
    return this.#inner.markStaleUnhealthy(cutoff, now);
  }
  async evictUnhealthy(cutoff: number): Promise<string[]> {
    return this.#inner.evictUnhealthy(cutoff);
  }
  async appendEvents(events: readonly RegistryEvent[]): Promise<void> {
    await this.#inner.appendEvents(events);
  }
  async listEvents(filter: EventFilter): Promise<RegistryEvent[]> {
    return this.#inner.listEvents(filter);
  }
  async loadCanaries(): Promise<CanaryRecord[]> {
    this.#check();
    return this.#inner.loadCanaries();
  }
  async saveCanary(record: CanaryRecord): Promise<void> {
    return this.#inner.saveCanary(record);
  }
  async deleteCanary(agentName: string): Promise<CanaryRecord | undefined> {
    return this.#inner.deleteCanary(agentName);
  }
  onRemoteChange(): void {}
  async close(): Promise<void> {}
}

describe('HEAD /heartbeat/{agent_id} when the store fails', () => {
  const running: RunningRegistry[] = [];
  afterEach(async () => {
    for (const registry of running.splice(0)) await registry.close();
  });

  async function start(store: RegistryStore): Promise<RunningRegistry> {
    const registry = await startRegistry({ store });
    running.push(registry);
    return registry;
  }

  it('answers 503, not 410, when the store fails to look up an agent this replica has not seen', async () => {
    const store = new FailingStore();
    const registry = await start(store);
    store.failing = true;
    expect(await head(`${registry.url}/heartbeat/other-replica-agent`)).toBe(503);
    store.failing = false;
    expect(await head(`${registry.url}/heartbeat/other-replica-agent`)).toBe(410);
  });

  it('answers 503 when the store fails to read the hash another replica sent, and 202 once it is back', async () => {
    const store = new FailingStore();
    const first = await start(store);
    expect((await postJson(`${first.url}/heartbeat`, agentBody('a-1', [{ capability: 'x' }]))).status).toBe(
      200,
    );
    const second = await start(store);
    store.failing = true;
    expect(await head(`${second.url}/heartbeat/a-1`)).toBe(503);
    store.failing = false;
    expect(await head(`${second.url}/heartbeat/a-1`)).toBe(202);
  });
});
