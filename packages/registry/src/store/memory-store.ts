import type { CanaryRecord } from '../core/canary.js';
import type { AgentRecord, EventFilter, RegistryEvent } from '../core/types.js';
import type { RegistryStore, SaveResult } from './registry-store.js';

/** Events kept in memory; older ones fall off (the log is for recent history, not an audit archive). */
const DEFAULT_EVENT_CAPACITY = 10_000;

/** The single-process store: maps and a bounded event ring. Records are copied in so callers cannot alias them. */
export class MemoryStore implements RegistryStore {
  readonly kind = 'memory';
  private readonly agents = new Map<string, AgentRecord>();
  private readonly canaries = new Map<string, CanaryRecord>();
  private readonly events: RegistryEvent[] = [];
  private eventStart = 0;

  constructor(private readonly eventCapacity = DEFAULT_EVENT_CAPACITY) {}

  async init(): Promise<void> {}

  async loadAgents(): Promise<AgentRecord[]> {
    return [...this.agents.values()].map((record) => ({ ...record }));
  }

  async getAgent(agentId: string): Promise<AgentRecord | undefined> {
    const record = this.agents.get(agentId);
    return record === undefined ? undefined : { ...record };
  }

  async saveAgent(record: AgentRecord): Promise<SaveResult> {
    const inserted = !this.agents.has(record.agent_id);
    this.agents.set(record.agent_id, { ...record });
    return { inserted };
  }

  touch(agentId: string, lastSeen: number): void {
    const record = this.agents.get(agentId);
    if (record !== undefined && lastSeen > record.last_seen) record.last_seen = lastSeen;
  }

  /** A single replica keeps the sent hash on its agent state; nothing to share. */
  async recordSent(): Promise<void> {}

  async sentHash(): Promise<string | undefined> {
    return undefined;
  }

  async flushTouches(): Promise<void> {}

  async deleteAgent(agentId: string): Promise<AgentRecord | undefined> {
    const record = this.agents.get(agentId);
    this.agents.delete(agentId);
    return record;
  }

  async markStaleUnhealthy(cutoff: number, now: number): Promise<string[]> {
    const changed: string[] = [];
    for (const record of this.agents.values()) {
      if (record.status === 'healthy' && record.last_seen < cutoff) {
        record.status = 'unhealthy';
        record.status_changed_at = now;
        changed.push(record.agent_id);
      }
    }
    return changed;
  }

  async evictUnhealthy(cutoff: number): Promise<string[]> {
    const evicted: string[] = [];
    for (const record of this.agents.values()) {
      if (record.status === 'unhealthy' && record.last_seen < cutoff) evicted.push(record.agent_id);
    }
    for (const id of evicted) this.agents.delete(id);
    return evicted;
  }

  async appendEvents(events: readonly RegistryEvent[]): Promise<void> {
    for (const event of events) {
      if (this.events.length - this.eventStart >= this.eventCapacity) this.eventStart += 1;
      this.events.push(event);
    }
    // Compact once the dropped prefix dominates, so memory stays bounded without shifting on every append.
    if (this.eventStart > this.eventCapacity) {
      this.events.splice(0, this.eventStart);
      this.eventStart = 0;
    }
  }

  async listEvents(filter: EventFilter): Promise<RegistryEvent[]> {
    const result: RegistryEvent[] = [];
    for (let i = this.events.length - 1; i >= this.eventStart && result.length < filter.limit; i -= 1) {
      const event = this.events[i]!;
      if (filter.type !== undefined && event.event_type !== filter.type) continue;
      if (filter.agent_id !== undefined && event.agent_id !== filter.agent_id) continue;
      if (filter.function_name !== undefined && event.function_name !== filter.function_name) continue;
      result.push(event);
    }
    return result;
  }

  async loadCanaries(): Promise<CanaryRecord[]> {
    return [...this.canaries.values()];
  }

  async saveCanary(record: CanaryRecord): Promise<void> {
    this.canaries.set(record.agent_name, { ...record });
  }

  async deleteCanary(agentName: string): Promise<CanaryRecord | undefined> {
    const record = this.canaries.get(agentName);
    this.canaries.delete(agentName);
    return record;
  }

  onRemoteChange(): void {}

  async close(): Promise<void> {}
}
