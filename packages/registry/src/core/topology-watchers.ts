/** Someone interested in an agent's topology (the SSE feed). */
export type TopologyListener = (version: number) => void;

/**
 * Listeners per agent and the batching of their notifications: changes made in one tick are checked once,
 * on the next, and `check` decides whether the agent's resolution really changed (returns the version to
 * announce) or not (undefined).
 */
export class TopologyWatchers {
  private readonly listeners = new Map<string, Set<TopologyListener>>();
  private readonly pending = new Set<string>();
  private scheduled = false;

  constructor(private readonly check: (agentId: string) => number | undefined) {}

  has(agentId: string): boolean {
    return this.listeners.has(agentId);
  }

  add(agentId: string, listener: TopologyListener): () => void {
    let set = this.listeners.get(agentId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(agentId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(agentId) === set) this.listeners.delete(agentId);
    };
  }

  /** Queues a check for an agent if anyone watches it. */
  schedule(agentId: string): void {
    if (!this.listeners.has(agentId)) return;
    this.pending.add(agentId);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const ids = [...this.pending];
    this.pending.clear();
    for (const id of ids) {
      const listeners = this.listeners.get(id);
      if (listeners === undefined) continue;
      const version = this.check(id);
      if (version === undefined) continue;
      for (const listener of listeners) listener(version);
    }
  }
}
