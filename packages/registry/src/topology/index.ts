/** Public API of @mesh/registry/topology: the live topology page's data and server (`meshctl ui`). */
export { buildTopology, nodeHealth } from './build-topology.js';
export type { BuildTopologyInput } from './build-topology.js';
export { DependencyRates, DEPENDENCY_PREFIXES } from './dependency-rates.js';
export { FEDERATED_FAMILIES, federateUrl, samplesByReplica } from './federation.js';
export type { ReplicaSamples } from './federation.js';
export { histogramQuantile } from './histogram-quantile.js';
export type { Bucket } from './histogram-quantile.js';
export { parsePrometheusText } from './prometheus-text.js';
export type { Sample } from './prometheus-text.js';
export { TopologySource } from './topology-source.js';
export type { MetricsFrom, TopologySourceOptions } from './topology-source.js';
export { createTopologyServer, TOPOLOGY_UI_DIR } from './topology-server.js';
export type { TopologyServer, TopologyServerOptions } from './topology-server.js';
export type {
  DeclaredAgent,
  EdgeMetrics,
  MetricsSourceStatus,
  NodeHealth,
  RegistryAgent,
  TopologyEdge,
  TopologyNode,
  TopologyReplica,
  TopologySnapshot,
  TopologyVersion,
} from './types.js';
