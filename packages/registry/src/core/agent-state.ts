import type { AgentRecord, DependenciesResolved } from './types.js';

/** An agent as the registry keeps it in memory, with its cached resolution. */
export interface AgentState {
  record: AgentRecord;
  /** Distinct capabilities this agent depends on (what makes a change relevant to it). */
  depCaps: readonly string[];
  /** Topology sequence at which `resolved` was computed; -1 when never. */
  resolvedSeq: number;
  resolved: DependenciesResolved | undefined;
  resolvedJson: string | undefined;
  /** Hash of the resolution this agent was last given by a full heartbeat (on any replica). */
  sentHash: string | undefined;
  /** The resolution this replica last gave the agent (what dependency events are computed against). */
  sentResolved: DependenciesResolved | undefined;
  /** When HEAD last re-read `sentHash` from the shared store (epoch ms; 0 = never). */
  sentHashReadAt: number;
  /** Hash of `resolvedJson` (what replicas compare: the full text is not shared through the store). */
  resolvedHash: string | undefined;
  /** Sequence up to which HEAD already confirmed nothing relevant changed since `sentHash`. */
  checkedSeq: number;
  /** The resolution JSON the watch feed last signalled (or the one sent). */
  notifiedJson: string | undefined;
  /** The last accepted heartbeat body (timestamps blanked): an identical body needs no parsing. */
  lastBodyKey: string | undefined;
}

/** A fresh state for a record never seen before on this replica. */
export function newAgentState(record: AgentRecord): AgentState {
  return {
    record,
    depCaps: distinctDepCaps(record),
    resolvedSeq: -1,
    resolved: undefined,
    resolvedJson: undefined,
    sentHash: undefined,
    sentResolved: undefined,
    sentHashReadAt: 0,
    resolvedHash: undefined,
    checkedSeq: -1,
    notifiedJson: undefined,
    lastBodyKey: undefined,
  };
}

/** The distinct capabilities a record depends on. */
export function distinctDepCaps(record: AgentRecord): string[] {
  const caps = new Set<string>();
  for (const tool of record.tools) for (const dep of tool.dependencies) caps.add(dep.capability);
  return [...caps];
}
