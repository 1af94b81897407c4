/** Public API of @mesh/registry. Anything exported here is public; nothing else is. */
export { createRegistryServer } from './server.js';
export type { CreateRegistryServerOptions, RegistryServer } from './server.js';
export { loadConfig, defaultRegistryConfig } from './config.js';
export type { RegistryConfig } from './config.js';
export { Registry } from './core/registry.js';
export type { HeartbeatResult, HeadResult } from './core/registry.js';
export type { AgentState } from './core/agent-state.js';
export type { TopologyListener } from './core/topology-watchers.js';
export { FakeClock, systemClock } from './core/clock.js';
export type { Clock } from './core/clock.js';
export { resolveAgent, resolveDependency } from './core/resolver.js';
export { CapabilityIndex } from './core/capability-index.js';
export type { CanaryRecord, CanaryLookup } from './core/canary.js';
export { parseRegistration } from './core/validate-registration.js';
export { satisfiesVersion } from './core/semver.js';
export { compileTags, matchTags } from './core/tag-matcher.js';
export { MemoryStore } from './store/memory-store.js';
export { PostgresStore } from './store/postgres-store.js';
export type { PostgresStoreOptions } from './store/postgres-store.js';
export type { RegistryStore, SaveResult } from './store/registry-store.js';
export type {
  AgentRecord,
  AgentRegistration,
  AgentStatus,
  DependenciesResolved,
  DependencySpec,
  ProviderRef,
  RegistryEvent,
  ResolvedEntry,
  ResolvedProvider,
  TagSpec,
  ToolRecord,
  UnresolvedPlaceholder,
} from './core/types.js';
