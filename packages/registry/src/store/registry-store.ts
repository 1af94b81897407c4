import type { CanaryRecord } from '../core/canary.js';
import type { AgentRecord, EventFilter, RegistryEvent } from '../core/types.js';

/** Result of saving a registration. */
export interface SaveResult {
  /** True when no row for this agent existed before (a first registration). */
  readonly inserted: boolean;
}

/**
 * Where agents and the event log live. In memory for a single registry; PostgreSQL when several
 * replicas share state. Every health transition is a conditional write, so when replicas race only one
 * of them sees a given transition (and writes its event).
 */
export interface RegistryStore {
  readonly kind: 'memory' | 'postgres';
  /** Creates tables (migrations) and starts listening for other replicas' changes. */
  init(): Promise<void>;
  loadAgents(): Promise<AgentRecord[]>;
  getAgent(agentId: string): Promise<AgentRecord | undefined>;
  /** Inserts or replaces an agent (a topology change); the write is visible to replicas when this resolves. */
  saveAgent(record: AgentRecord): Promise<SaveResult>;
  /** Records a heartbeat time; may be batched (health thresholds are seconds, so a short delay is safe). */
  touch(agentId: string, lastSeen: number): void;
  /** Remembers the hash of the resolution an agent was last sent (so any replica can answer its HEAD). */
  recordSent(agentId: string, hash: string): Promise<void>;
  /** The hash recorded by `recordSent`, from whichever replica wrote it. */
  sentHash(agentId: string): Promise<string | undefined>;
  /** Writes batched heartbeat times now. */
  flushTouches(): Promise<void>;
  /** Removes an agent; the removed record, or undefined when there was none. */
  deleteAgent(agentId: string): Promise<AgentRecord | undefined>;
  /** Marks healthy agents last seen before `cutoff` unhealthy; returns only the ids this call changed. */
  markStaleUnhealthy(cutoff: number, now: number): Promise<string[]>;
  /** Deletes unhealthy agents last seen before `cutoff`; returns only the ids this call deleted. */
  evictUnhealthy(cutoff: number): Promise<string[]>;
  appendEvents(events: readonly RegistryEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(filter: EventFilter): Promise<RegistryEvent[]>;
  loadCanaries(): Promise<CanaryRecord[]>;
  /** Inserts or replaces the canary of an agent name; visible to replicas (and notified) when this resolves. */
  saveCanary(record: CanaryRecord): Promise<void>;
  /** Removes the canary of an agent name; the removed record, or undefined when there was none. */
  deleteCanary(agentName: string): Promise<CanaryRecord | undefined>;
  /** Called (possibly coalesced) when another replica changed agents or canaries. */
  onRemoteChange(listener: () => void): void;
  close(): Promise<void>;
}
