/** Public API of @mesh/runtime. Anything exported here is public; nothing else is. */
export { z } from 'zod';
export { MeshError, isMeshError } from '@mesh/common';
export type { MeshErrorCode, TraceContext, Logger } from '@mesh/common';
export { defineAgent } from './define-agent.js';
export { startAlone } from './start-alone.js';
export type {
  Agent,
  AgentOptions,
  AgentManifest,
  ManifestDependency,
  RunningAgent,
  StartOptions,
} from './define-agent.js';
export { runAgent } from './run-agent.js';
export type { RunAgentOptions } from './run-agent.js';
export { runAgentMain } from './run-agent-main.js';
export type { AgentConfig, AgentMainOptions, AgentServices } from './run-agent-main.js';
export { meshEnvSchema, toMeshConfig, defaultMeshConfig } from './config.js';
export type { MeshConfig, MeshEnv } from './config.js';
export type { CallOptions, ContractProxy, DependencyProxy } from './dependency-proxy.js';
export { checkResponse } from './contract.js';
export type { CapabilityContract } from './contract.js';
export { createToolCaller } from './tool-caller.js';
export type { ToolCaller, ToolCallerOptions, ToolTarget } from './tool-caller.js';
export type { ResolvedProvider } from './provider-pool.js';
export { createTracing } from './tracing.js';
export type { SpanHandle, SpanKindName, SpanStarter, StartSpanOptions } from './tracing.js';
export type {
  ContractDependency,
  DependencyDecl,
  DependencyDecls,
  DependencyProxies,
  DependencySpec,
  ProxyFor,
  TagSpec,
  ToolContext,
  ToolDefinition,
} from './tool-registry.js';
