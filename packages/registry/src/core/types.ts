/** One tag requirement: a plain tag (required), `+tag` (preferred), `-tag` (excluded), or an OR group. */
export type TagSpec = string | readonly string[];

/** A dependency as a tool declares it. An empty version means any version. */
export interface DependencySpec {
  readonly capability: string;
  readonly tags: readonly TagSpec[];
  readonly version: string;
  readonly namespace: string;
  /** The declaring tool is unavailable until this resolves (absent = optional, the official default). */
  readonly required?: true;
}

/** A tool (function) an agent registers; `capability` is what others resolve against. */
export interface ToolRecord {
  readonly function_name: string;
  readonly capability: string;
  readonly version: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly dependencies: readonly DependencySpec[];
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
}

export type AgentStatus = 'healthy' | 'unhealthy';
export type AgentType = 'mcp_agent' | 'api' | 'a2a';

/** What a registration (full heartbeat) declares; everything the registry stores about an agent comes from it. */
export interface AgentRegistration {
  readonly agent_id: string;
  readonly agent_type: AgentType;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly runtime?: string;
  readonly namespace: string;
  readonly http_host: string;
  readonly http_port: number;
  readonly tools: readonly ToolRecord[];
}

/** A stored agent: the registration plus what the registry derived and observed. */
export interface AgentRecord extends AgentRegistration {
  readonly endpoint: string;
  /** Stable text of everything resolution depends on; equal signatures mean nothing topological changed. */
  readonly signature: string;
  status: AgentStatus;
  /** Epoch ms. */
  readonly created_at: number;
  /** Epoch ms of the last heartbeat (full or HEAD). */
  last_seen: number;
  /** Epoch ms of the last status change. */
  status_changed_at: number;
}

/** One entry of `dependencies_resolved[function]`, positional with the tool's dependencies. */
export type ResolvedEntry = ResolvedProvider | UnresolvedPlaceholder;

export interface ProviderRef {
  readonly agent_id: string;
  readonly function_name: string;
  readonly endpoint: string;
  readonly status: 'available';
  /** The replica's own tool kwargs (its declared `idempotent`, say); absent when it declares none. */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** The replica's agent version (our extension, like `providers`). */
  readonly version: string;
  /**
   * Percent of calls for this replica's version group while a canary splits them (see canary.ts); absent
   * otherwise. Replicas of a group share its weight evenly.
   */
  readonly weight?: number;
}

export interface ResolvedProvider {
  readonly agent_id: string;
  readonly function_name: string;
  readonly endpoint: string;
  readonly capability: string;
  readonly status: 'available';
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Healthy equivalents of the winner (its replicas), winner first; our runtime balances across them. */
  readonly providers: readonly ProviderRef[];
}

/** What the official registry sends for a dependency nothing provides: the provider fields, empty. */
export interface UnresolvedPlaceholder {
  readonly agent_id: '';
  readonly function_name: '';
  readonly endpoint: '';
  readonly capability: string;
  readonly status: 'unresolved';
}

export type DependenciesResolved = Record<string, ResolvedEntry[]>;

export type RegistryEventType =
  | 'register'
  | 'heartbeat'
  | 'expire'
  | 'update'
  | 'unregister'
  | 'unhealthy'
  | 'rotate'
  | 'dependency_resolved'
  | 'dependency_unresolved';

export const REGISTRY_EVENT_TYPES: readonly RegistryEventType[] = [
  'register',
  'heartbeat',
  'expire',
  'update',
  'unregister',
  'unhealthy',
  'rotate',
  'dependency_resolved',
  'dependency_unresolved',
];

/** An entry of the event log (`GET /events`). */
export interface RegistryEvent {
  readonly event_type: RegistryEventType;
  readonly agent_id: string;
  readonly agent_name?: string;
  readonly function_name?: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface EventFilter {
  readonly type?: RegistryEventType;
  readonly agent_id?: string;
  readonly function_name?: string;
  readonly limit: number;
}
