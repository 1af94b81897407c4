/** Public API of @mesh/meshctl (the CLI is dist/cli.js; these are for scripts and the e2e harness). */
export { parseArchitecture, loadArchitecture } from './architecture/load.js';
export type { Architecture, TieredAgent, ArchitectureProblem } from './architecture/load.js';
export type { AgentEntry, InfrastructureEntry } from './architecture/schema.js';
export { buildGraph, findCycles, startWaves } from './graph/dependency-graph.js';
export { compareGraphs, liveEdges, toDot, toMermaid } from './graph/render.js';
export { checkArchitecture, formatCheckReport } from './check.js';
export type { CheckProblem, CheckReport } from './check.js';
export { RegistryClient } from './registry-client.js';
export type { AgentInfo } from './registry-client.js';
export { callTool, resolveTool } from './mcp-call.js';
export type { CallToolOptions, ToolTarget } from './mcp-call.js';
export { readState, meshHome, isAlive, liveProcesses } from './local/state.js';
export type { MeshState, ProcessRecord } from './local/state.js';
export { chargeViolations, orderInvariants } from './chaos/invariants.js';
export type { ListedCharge, OrderOutcome, StockSnapshot } from './chaos/invariants.js';
