import type { AgentRecord, ToolRecord } from './types.js';

/** A healthy agent's tool as a resolution candidate. */
export interface ProviderEntry {
  readonly agentId: string;
  readonly agentName: string;
  readonly agentVersion: string;
  readonly endpoint: string;
  readonly tool: ToolRecord;
}

/**
 * Healthy providers grouped by capability, so resolving a dependency looks at its candidates only
 * (capability match is exact). Maintained incrementally as agents come, change, sicken and go.
 */
export class CapabilityIndex {
  private readonly byCapability = new Map<string, ProviderEntry[]>();

  candidates(capability: string): readonly ProviderEntry[] {
    return this.byCapability.get(capability) ?? [];
  }

  /** Adds a healthy agent's tools; returns the capabilities touched. */
  add(agent: AgentRecord): string[] {
    const touched: string[] = [];
    for (const tool of agent.tools) {
      const entry: ProviderEntry = {
        agentId: agent.agent_id,
        agentName: agent.name,
        agentVersion: agent.version,
        endpoint: agent.endpoint,
        tool,
      };
      const list = this.byCapability.get(tool.capability);
      if (list === undefined) this.byCapability.set(tool.capability, [entry]);
      else list.push(entry);
      touched.push(tool.capability);
    }
    return touched;
  }

  /** Removes every tool of an agent; returns the capabilities touched. */
  remove(agent: AgentRecord): string[] {
    const touched: string[] = [];
    for (const tool of agent.tools) {
      const list = this.byCapability.get(tool.capability);
      if (list === undefined) continue;
      const kept = list.filter((entry) => entry.agentId !== agent.agent_id);
      if (kept.length === 0) this.byCapability.delete(tool.capability);
      else this.byCapability.set(tool.capability, kept);
      touched.push(tool.capability);
    }
    return touched;
  }
}
