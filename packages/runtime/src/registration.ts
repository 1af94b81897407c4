import { MESH_STREAM_KWARG, MESH_STREAM_PROTOCOL } from './mesh-stream-frames.js';
import type { NormalizedDependency, RegisteredTool } from './tool-registry.js';

/** One entry of `dependencies_resolved[function_name]` (positional, one per declared dependency). */
export interface ResolvedDependencyEntry {
  agent_id?: string;
  function_name?: string;
  endpoint?: string;
  capability?: string;
  status?: string;
  /** The winner's tool kwargs (the official protocol's way to pass a producer's settings to its consumers). */
  kwargs?: Record<string, unknown>;
  /** Our registry's extension: every healthy replica of the winner, the winner first, each with its kwargs. */
  providers?: {
    agent_id: string;
    function_name: string;
    endpoint: string;
    status?: string;
    kwargs?: Record<string, unknown>;
    /** The replica's agent version. */
    version?: string;
    /** Percent of calls for the replica's version group while a canary splits them. */
    weight?: number;
  }[];
}

export type DependenciesResolved = Record<string, ResolvedDependencyEntry[]>;

/** A group of dependencies registered under one function name (a tool, or a consumer group). */
export interface DependencyGroup {
  functionName: string;
  dependencies: readonly NormalizedDependency[];
}

export interface RegistrationInput {
  agentId: string;
  name: string;
  version: string;
  description: string;
  httpHost: string;
  httpPort: number;
  namespace: string;
  tools: readonly RegisteredTool[];
  /** Consumer-only dependency groups (registered as pseudo tools; agent_type `api` when there are no tools). */
  consumerGroups: readonly DependencyGroup[];
}

function dependencyBody(dependency: NormalizedDependency, namespace: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    capability: dependency.capability,
    tags: dependency.tags,
    version: dependency.version,
    namespace: dependency.namespace ?? namespace,
  };
  // Only when set: a required edge makes the declaring tool unavailable until the dependency resolves.
  if (dependency.required) body['required'] = true;
  return body;
}

/** The POST /heartbeat body, in the official MeshAgentRegistration shape. */
export function registrationBody(input: RegistrationInput): Record<string, unknown> {
  const tools: Record<string, unknown>[] = input.tools.map((tool) => {
    const entry: Record<string, unknown> = {
      function_name: tool.name,
      capability: tool.capability,
      version: tool.version,
      tags: tool.tags,
      description: tool.description,
      dependencies: tool.dependencies.map((dependency) => dependencyBody(dependency, input.namespace)),
      inputSchema: tool.inputJsonSchema,
    };
    if (tool.outputJsonSchema) entry['outputSchema'] = tool.outputJsonSchema;
    entry['kwargs'] = tool.idempotent
      ? { idempotent: true, [MESH_STREAM_KWARG]: MESH_STREAM_PROTOCOL }
      : { [MESH_STREAM_KWARG]: MESH_STREAM_PROTOCOL };
    return entry;
  });
  for (const group of input.consumerGroups) {
    tools.push({
      function_name: group.functionName,
      capability: group.functionName,
      version: input.version,
      tags: [],
      description: `Dependencies used by ${input.name} outside tool handlers`,
      dependencies: group.dependencies.map((dependency) => dependencyBody(dependency, input.namespace)),
    });
  }
  return {
    agent_id: input.agentId,
    agent_type: input.tools.length > 0 ? 'mcp_agent' : 'api',
    runtime: 'typescript',
    name: input.name,
    version: input.version,
    description: input.description,
    http_host: input.httpHost,
    http_port: input.httpPort,
    timestamp: new Date().toISOString(),
    namespace: input.namespace,
    tools,
  };
}
