import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@mesh/common';
import { silentLogger } from '@mesh/common';
import type { RegistryStore } from '../store/registry-store.js';
import { registrationSignature, toAgentRecord, topologyDiffers } from './agent-record.js';
import { distinctDepCaps, newAgentState } from './agent-state.js';
import type { AgentState } from './agent-state.js';
import { CapabilityIndex } from './capability-index.js';
import type { CanaryRecord } from './canary.js';
import { ChangeTracker } from './change-tracker.js';
import type { Clock } from './clock.js';
import { dependencyEvents } from './dependency-events.js';
import { changeEvent, healthEvent } from './registry-events.js';
import { TopologyWatchers } from './topology-watchers.js';
import type { TopologyListener } from './topology-watchers.js';
import { resolveAgent } from './resolver.js';
import type {
  AgentRecord,
  AgentRegistration,
  DependenciesResolved,
  EventFilter,
  RegistryEvent,
} from './types.js';

/** How often HEAD may re-read from the store what another replica last sent an agent. */
const SENT_HASH_REREAD_MS = 1000;

export interface HeartbeatResult {
  readonly created: boolean;
  readonly agentId: string;
  /** `dependencies_resolved` already serialised (the response is assembled around it). */
  readonly resolvedJson: string;
}

export type HeadResult = 200 | 202 | 410;

export interface RegistryOptions {
  readonly store: RegistryStore;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** `https` when the registry runs with mTLS: every agent then serves MCP over TLS. */
  readonly endpointScheme?: 'http' | 'https';
}

/**
 * The registry's state machine: agents, the capability index, per-agent resolution caches and change
 * tracking. Every topology change bumps a sequence number on the capabilities it touched, so an agent's
 * cached resolution is recomputed (and a HEAD answers 202, and the watch feed fires) only when something
 * it depends on changed.
 */
export class Registry {
  private readonly agents = new Map<string, AgentState>();
  private readonly index = new CapabilityIndex();
  /** The operator's canaries by agent name (see canary.ts); part of every resolution. */
  private canaries = new Map<string, CanaryRecord>();
  private readonly changes = new ChangeTracker();
  private readonly watchers = new TopologyWatchers((agentId) => this.checkWatched(agentId));
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  readonly store: RegistryStore;
  readonly clock: Clock;
  private readonly logger: Logger;
  /** Bumped on every change `GET /agents` shows except heartbeat times (so the listing can be cached). */
  listVersion = 0;
  /** Told how long each (uncached) resolution took; metrics attach here. */
  onResolution: ((seconds: number) => void) | undefined;
  private readonly endpointScheme: 'http' | 'https';

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger();
    this.endpointScheme = options.endpointScheme ?? 'http';
  }

  /** Loads agents from the store and follows other replicas' changes. */
  async start(): Promise<void> {
    await this.store.init();
    this.applySnapshot(await this.store.loadAgents());
    this.applyCanaries(await this.store.loadCanaries());
    this.store.onRemoteChange(() => void this.reload());
  }

  get topologyVersion(): number {
    return this.changes.version;
  }

  get size(): number {
    return this.agents.size;
  }

  agentStates(): IterableIterator<AgentState> {
    return this.agents.values();
  }

  getAgent(agentId: string): AgentState | undefined {
    return this.agents.get(agentId);
  }

  /**
   * The full heartbeat of an agent that sends the very body it sent last time (the common case): no
   * parsing, validation or comparison needed. Undefined when the body is new or the agent is not healthy.
   */
  repeatHeartbeat(agentId: string, bodyKey: string): Promise<HeartbeatResult> | undefined {
    const state = this.agents.get(agentId);
    if (state === undefined || state.lastBodyKey !== bodyKey || state.record.status !== 'healthy')
      return undefined;
    const now = this.clock.now();
    state.record.last_seen = now;
    this.store.touch(agentId, now);
    return this.answer(state, false);
  }

  /** Registration and full heartbeat in one: stores what changed, returns the agent's resolution. */
  async heartbeat(registration: AgentRegistration, bodyKey?: string): Promise<HeartbeatResult> {
    const now = this.clock.now();
    const id = registration.agent_id;
    let state = this.agents.get(id);
    const signature = registrationSignature(registration);
    let created = false;
    if (state !== undefined && state.record.signature === signature && state.record.status === 'healthy') {
      state.record.last_seen = now;
      this.store.touch(id, now);
    } else {
      const previous = state?.record;
      const record = toAgentRecord(registration, now, previous, signature, this.endpointScheme);
      const { inserted } = await this.store.saveAgent(record);
      created = inserted;
      state = this.put(record);
      await this.store.appendEvents([changeEvent(record, previous, inserted, now)]);
    }
    state.lastBodyKey = bodyKey;
    return this.answer(state, created);
  }

  private async answer(state: AgentState, created: boolean): Promise<HeartbeatResult> {
    const resolvedJson = this.resolvedJsonOf(state);
    const hash = state.resolvedHash!;
    if (state.sentHash !== hash) {
      const events = dependencyEvents(state.record, state.sentResolved, state.resolved!, this.clock.now());
      state.sentHash = hash;
      state.sentResolved = state.resolved;
      // Replicas answering this agent's HEAD compare against what it was actually sent (rarely changes).
      await this.store.recordSent(state.record.agent_id, hash);
      if (events.length > 0) await this.store.appendEvents(events);
    }
    state.notifiedJson = resolvedJson;
    state.checkedSeq = this.changes.version;
    return { created, agentId: state.record.agent_id, resolvedJson };
  }

  /** The fast heartbeat: 200 nothing relevant changed, 202 re-POST, 410 unknown or unhealthy. */
  async headHeartbeat(agentId: string): Promise<HeadResult> {
    let state = this.agents.get(agentId);
    if (state === undefined && this.store.kind !== 'memory') {
      // Another replica may have registered it a moment ago; its change notice may not have arrived yet.
      const record = await this.store.getAgent(agentId);
      if (record !== undefined) state = this.put(record);
    }
    if (state === undefined || state.record.status !== 'healthy') return 410;
    const now = this.clock.now();
    state.record.last_seen = now;
    this.store.touch(agentId, now);
    const shared = this.store.kind !== 'memory';
    if (state.sentHash === undefined && shared) state.sentHash = await this.store.sentHash(agentId);
    if (state.sentHash === undefined) return 202;
    if (this.changes.latest(state.depCaps) <= state.checkedSeq) return 200;
    this.resolvedJsonOf(state);
    if (
      state.resolvedHash !== state.sentHash &&
      shared &&
      now - state.sentHashReadAt >= SENT_HASH_REREAD_MS
    ) {
      // The agent may have been answered by another replica since this one last looked. Asked at most once a
      // second per agent: an agent that keeps sending HEAD without re-POSTing costs no query per HEAD.
      state.sentHashReadAt = now;
      state.sentHash = (await this.store.sentHash(agentId)) ?? state.sentHash;
    }
    if (state.resolvedHash !== state.sentHash) return 202;
    state.checkedSeq = this.changes.version;
    return 200;
  }

  /** Graceful unregistration; true when the agent existed. */
  async unregister(agentId: string): Promise<boolean> {
    const removed = await this.store.deleteAgent(agentId);
    const state = this.agents.get(agentId);
    if (state !== undefined) this.drop(state);
    const known = removed ?? state?.record;
    if (known === undefined) return false;
    await this.store.appendEvents([
      { event_type: 'unregister', agent_id: agentId, agent_name: known.name, timestamp: this.clock.now() },
    ]);
    return true;
  }

  /** The current resolution of an agent (cached until something it depends on changes). */
  resolutionOf(state: AgentState): { resolved: DependenciesResolved; json: string } {
    const json = this.resolvedJsonOf(state);
    return { resolved: state.resolved ?? {}, json };
  }

  /** Marks silent agents unhealthy and evicts long-dead ones; returns the transitions made by this replica. */
  async checkHealth(
    timeoutMs: number,
    evictAfterMs: number,
  ): Promise<{ unhealthy: string[]; evicted: string[] }> {
    await this.store.flushTouches();
    const now = this.clock.now();
    const unhealthy = await this.store.markStaleUnhealthy(now - timeoutMs, now);
    const events: RegistryEvent[] = [];
    for (const id of unhealthy) {
      const state = this.agents.get(id);
      if (state !== undefined) this.put({ ...state.record, status: 'unhealthy', status_changed_at: now });
      events.push(healthEvent('unhealthy', id, state?.record.name, now));
    }
    const evicted = await this.store.evictUnhealthy(now - evictAfterMs);
    for (const id of evicted) {
      const state = this.agents.get(id);
      if (state !== undefined) this.drop(state);
      events.push(healthEvent('expire', id, state?.record.name, now));
    }
    if (events.length > 0) await this.store.appendEvents(events);
    // A shared store may have changed behind a lost notification: resynchronise on every check.
    if (this.store.kind !== 'memory') await this.reload();
    return { unhealthy, evicted };
  }

  listEvents(filter: EventFilter): Promise<RegistryEvent[]> {
    return this.store.listEvents(filter);
  }

  /** The canaries in force, by agent name. */
  listCanaries(): CanaryRecord[] {
    return [...this.canaries.values()].sort((a, b) => (a.agent_name < b.agent_name ? -1 : 1));
  }

  getCanary(agentName: string): CanaryRecord | undefined {
    return this.canaries.get(agentName);
  }

  /** Sets (or changes the weight of) an agent's canary; consumers of its capabilities hear of it at once. */
  async setCanary(record: CanaryRecord): Promise<void> {
    await this.store.saveCanary(record);
    this.applyCanaries([
      ...[...this.canaries.values()].filter((c) => c.agent_name !== record.agent_name),
      record,
    ]);
  }

  /** Removes an agent's canary; the removed record, if there was one. */
  async deleteCanary(agentName: string): Promise<CanaryRecord | undefined> {
    const removed = await this.store.deleteCanary(agentName);
    const known = this.canaries.get(agentName);
    this.applyCanaries([...this.canaries.values()].filter((c) => c.agent_name !== agentName));
    return removed ?? known;
  }

  /**
   * Installs a set of canaries, bumping the capabilities provided by each agent name whose canary changed,
   * so cached resolutions, HEAD (202) and the watch feed all notice a weight change like any other.
   */
  private applyCanaries(records: readonly CanaryRecord[]): void {
    const next = new Map(records.map((record) => [record.agent_name, record]));
    const changed = new Set<string>();
    for (const [name, record] of next) {
      const old = this.canaries.get(name);
      if (old === undefined || old.version !== record.version || old.weight !== record.weight)
        changed.add(name);
    }
    for (const name of this.canaries.keys()) if (!next.has(name)) changed.add(name);
    this.canaries = next;
    if (changed.size === 0) return;
    const touched = new Set<string>();
    for (const state of this.agents.values()) {
      if (state.record.status !== 'healthy' || !changed.has(state.record.name)) continue;
      for (const tool of state.record.tools) touched.add(tool.capability);
    }
    this.bump([...touched]);
  }

  /** Subscribes to relevant topology changes of one agent; returns the unsubscribe function. */
  watch(agentId: string, listener: TopologyListener): () => void {
    const state = this.agents.get(agentId);
    if (state !== undefined && state.notifiedJson === undefined)
      state.notifiedJson = this.resolvedJsonOf(state);
    return this.watchers.add(agentId, listener);
  }

  /** Re-reads agents from the store (another replica changed something); coalesces overlapping calls. */
  async reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          this.applySnapshot(await this.store.loadAgents());
          this.applyCanaries(await this.store.loadCanaries());
        } catch (error: unknown) {
          this.logger.warn({ err: error }, 'could not reload agents from the store');
        }
      } while (this.reloadAgain);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = undefined;
    }
  }

  private applySnapshot(records: readonly AgentRecord[]): void {
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.agent_id);
      const state = this.agents.get(record.agent_id);
      if (state === undefined || topologyDiffers(state.record, record)) this.put(record);
      else if (record.last_seen > state.record.last_seen) state.record.last_seen = record.last_seen;
    }
    for (const state of [...this.agents.values()]) if (!seen.has(state.record.agent_id)) this.drop(state);
  }

  /** Installs a record in memory, updating the index and bumping the capabilities that changed. */
  private put(record: AgentRecord): AgentState {
    const existing = this.agents.get(record.agent_id);
    const touched: string[] = [];
    if (existing !== undefined) {
      if (existing.record.status === 'healthy') touched.push(...this.index.remove(existing.record));
      this.changes.unlink(existing.record.agent_id, existing.depCaps);
    }
    if (record.status === 'healthy') touched.push(...this.index.add(record));
    const state = existing ?? newAgentState(record);
    state.record = record;
    state.lastBodyKey = undefined;
    state.depCaps = distinctDepCaps(record);
    state.resolvedSeq = -1;
    this.agents.set(record.agent_id, state);
    this.changes.link(record.agent_id, state.depCaps);
    this.bump(touched);
    if (existing !== undefined) this.watchers.schedule(record.agent_id);
    return state;
  }

  private drop(state: AgentState): void {
    this.agents.delete(state.record.agent_id);
    this.changes.unlink(state.record.agent_id, state.depCaps);
    this.bump(state.record.status === 'healthy' ? this.index.remove(state.record) : []);
  }

  private bump(capabilities: readonly string[]): void {
    this.listVersion += 1;
    this.changes.bump(capabilities, (agentId) => this.watchers.schedule(agentId));
  }

  /** The watch feed's test: did this agent's resolution change since it was last told? */
  private checkWatched(agentId: string): number | undefined {
    const state = this.agents.get(agentId);
    if (state === undefined) return undefined;
    const json = this.resolvedJsonOf(state);
    if (json === state.notifiedJson) return undefined;
    state.notifiedJson = json;
    return this.changes.version;
  }

  private resolvedJsonOf(state: AgentState): string {
    if (
      state.resolvedJson !== undefined &&
      state.resolvedSeq >= 0 &&
      this.changes.latest(state.depCaps) <= state.resolvedSeq
    ) {
      return state.resolvedJson;
    }
    const started = performance.now();
    state.resolved = resolveAgent(state.record.tools, this.index, this.canaries);
    state.resolvedJson = JSON.stringify(state.resolved);
    state.resolvedHash = createHash('sha1').update(state.resolvedJson).digest('base64');
    this.onResolution?.((performance.now() - started) / 1000);
    state.resolvedSeq = this.changes.version;
    return state.resolvedJson;
  }
}
