import type { CircuitBreakerPolicy } from 'cockatiel';
import { CircuitState, createProviderBreaker } from './resilience.js';

/** One resolved provider of a dependency, as the registry reports it. */
export interface ResolvedProvider {
  agentId: string;
  endpoint: string;
  functionName: string;
  /** The provider's tool declared itself safe to run twice (`idempotent` in its registry kwargs). */
  idempotent: boolean;
  /** Its agent version, when the registry says (ours does; the official one does not). */
  version?: string;
  /** It accepts mesh streams (`mesh_stream` in its registry kwargs): calls may share one connection. */
  streams?: boolean;
  /** Percent of calls for its version group while a canary splits them; absent otherwise. */
  weight?: number;
}

/** Live state of one provider process (shared by every dependency it serves): load, breaker, ejection. */
export class ProviderState {
  inFlight = 0;
  ejectedUntil = 0;
  openedAt = 0;
  readonly breaker: CircuitBreakerPolicy;

  constructor(
    readonly agentId: string,
    public endpoint: string,
    threshold: number,
    private readonly halfOpenAfterMs: number,
  ) {
    this.breaker = createProviderBreaker(threshold, halfOpenAfterMs);
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  /** Worth trying now: not ejected (unless told to ignore it), breaker closed or due for a trial call. */
  usable(now: number, ignoreEjection = false): boolean {
    if (!ignoreEjection && now < this.ejectedUntil) return false;
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return true;
    if (state === CircuitState.Open) return now - this.openedAt >= this.halfOpenAfterMs;
    return false;
  }

  breakerOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  eject(durationMs: number): void {
    this.ejectedUntil = Date.now() + durationMs;
  }
}

/** A provider of one dependency slot: the shared provider state plus the function to call there. */
export interface Candidate {
  readonly state: ProviderState;
  readonly functionName: string;
  /** Per function, not per process: the same provider may serve one tool idempotent and another not. */
  readonly idempotent: boolean;
  /** The provider accepts mesh streams. */
  readonly streams?: boolean;
  /** The provider's agent version ('' when unknown): a label of the dependency metrics. */
  readonly version?: string;
}

/** The candidates of one agent version and the percent of calls the registry gives them (a canary split). */
export interface CandidateGroup {
  readonly version: string;
  readonly weight: number;
  readonly candidates: readonly Candidate[];
}

/**
 * Groups candidates by version when the registry weighted them (a canary): the weight of a group is that of
 * its providers. Undefined when nothing is weighted or there is one version only (plain balancing then).
 */
export function weightedGroups(
  providers: readonly ResolvedProvider[],
  candidates: readonly Candidate[],
): CandidateGroup[] | undefined {
  const byVersion = new Map<string, { weight: number; candidates: Candidate[] }>();
  providers.forEach((provider, index) => {
    if (provider.weight === undefined) return;
    const version = provider.version ?? '';
    let group = byVersion.get(version);
    if (group === undefined) {
      group = { weight: provider.weight, candidates: [] };
      byVersion.set(version, group);
    }
    group.candidates.push(candidates[index]!);
  });
  if (byVersion.size < 2) return undefined;
  return [...byVersion].map(([version, group]) => ({ version, ...group }));
}

/** Every provider this agent knows, by agent id, so breakers and load survive topology refreshes. */
export class ProviderPool {
  private readonly byId = new Map<string, ProviderState>();
  private readonly listeners = new Set<(state: ProviderState) => void>();

  constructor(
    private readonly threshold: number,
    private readonly halfOpenAfterMs: number,
  ) {}

  get(provider: ResolvedProvider): ProviderState {
    let state = this.byId.get(provider.agentId);
    if (!state) {
      state = new ProviderState(provider.agentId, provider.endpoint, this.threshold, this.halfOpenAfterMs);
      this.byId.set(provider.agentId, state);
      for (const listener of this.listeners) listener(state);
    } else if (state.endpoint !== provider.endpoint) {
      state.endpoint = provider.endpoint;
      state.ejectedUntil = 0;
    }
    return state;
  }

  /** Called for each new provider (metrics attach to breaker events here). */
  onProvider(listener: (state: ProviderState) => void): void {
    this.listeners.add(listener);
  }

  all(): ProviderState[] {
    return [...this.byId.values()];
  }

  /** Forgets providers no slot references any more. */
  retain(agentIds: ReadonlySet<string>): void {
    for (const id of this.byId.keys()) if (!agentIds.has(id)) this.byId.delete(id);
  }
}

/** The providers currently resolved for one declared dependency. */
export class DependencySlot {
  candidates: readonly Candidate[] = [];
  /** The candidates by version with their share of calls, while a canary splits them. */
  groups: readonly CandidateGroup[] | undefined;
  private waiters: (() => void)[] = [];

  private holdTimer: NodeJS.Timeout | undefined;

  /**
   * Takes the providers of a new resolution. With `holdMs` > 0, a resolution that would empty a slot that has
   * providers keeps them for that long instead: after a registry restart its state is soft and empty, and an
   * agent that re-registers before its providers do would otherwise fail every call until they are back. A
   * provider that really died is still skipped by connection-refused failover; the hold ends early as soon
   * as a resolution names providers again.
   */
  replace(providers: readonly ResolvedProvider[], pool: ProviderPool, holdMs = 0): void {
    if (providers.length === 0 && this.candidates.length > 0 && (holdMs > 0 || this.holdTimer)) {
      if (!this.holdTimer) {
        this.holdTimer = setTimeout(() => {
          this.holdTimer = undefined;
          this.candidates = [];
          this.groups = undefined;
        }, holdMs);
        this.holdTimer.unref();
      }
      return;
    }
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.candidates = providers.map((provider) => ({
      state: pool.get(provider),
      functionName: provider.functionName,
      idempotent: provider.idempotent,
      streams: provider.streams === true,
      version: provider.version ?? '',
    }));
    this.groups = weightedGroups(providers, this.candidates);
    if (this.candidates.length > 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when the slot gets a provider (or at once when it has one). */
  whenResolved(): Promise<void> {
    if (this.candidates.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
