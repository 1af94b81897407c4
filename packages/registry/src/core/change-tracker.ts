/**
 * Which capabilities changed when. Every topology change gets the next sequence number, stamped on the
 * capabilities it touched; an agent's view is stale exactly when one of the capabilities it depends on
 * carries a newer stamp than the one its cached resolution was computed at.
 */
export class ChangeTracker {
  private readonly capSeq = new Map<string, number>();
  private readonly dependents = new Map<string, Set<string>>();
  private seq = 0;

  get version(): number {
    return this.seq;
  }

  /** Records that `agentId` depends on `capabilities` (so it hears about their changes). */
  link(agentId: string, capabilities: readonly string[]): void {
    for (const cap of capabilities) {
      let set = this.dependents.get(cap);
      if (set === undefined) {
        set = new Set();
        this.dependents.set(cap, set);
      }
      set.add(agentId);
    }
  }

  unlink(agentId: string, capabilities: readonly string[]): void {
    for (const cap of capabilities) {
      const set = this.dependents.get(cap);
      set?.delete(agentId);
      if (set !== undefined && set.size === 0) this.dependents.delete(cap);
    }
  }

  /** Stamps the capabilities with a new sequence number; calls `affected` for each agent depending on them. */
  bump(capabilities: readonly string[], affected: (agentId: string) => void): void {
    if (capabilities.length === 0) return;
    this.seq += 1;
    for (const cap of capabilities) {
      this.capSeq.set(cap, this.seq);
      const dependents = this.dependents.get(cap);
      if (dependents !== undefined) for (const id of dependents) affected(id);
    }
  }

  /** The newest stamp among `capabilities` (0 when none ever changed). */
  latest(capabilities: readonly string[]): number {
    let max = 0;
    for (const cap of capabilities) {
      const seq = this.capSeq.get(cap);
      if (seq !== undefined && seq > max) max = seq;
    }
    return max;
  }
}
