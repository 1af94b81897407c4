import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { silentLogger } from '@mesh/common';
import { resolveMeshConfig } from './config.js';
import { DependencyClient, NO_CALLER, RetryBudget } from './dependency-proxy.js';
import type { CallEnvironment } from './dependency-proxy.js';
import { InFlight } from './in-flight.js';
import { McpHttpClient } from './mcp-client.js';
import type { ClientTls } from './mcp-client.js';
import { RuntimeMetrics } from './metrics.js';
import { DependencySlot, ProviderPool } from './provider-pool.js';
import type { ResolvedProvider } from './provider-pool.js';
import { ID_ONLY_TRACING } from './tracing.js';

/** What to call: a capability and the replicas that provide it (from the registry's `GET /agents`). */
export interface ToolTarget {
  readonly capability: string;
  readonly providers: readonly ResolvedProvider[];
  /** The provider says a repeat is harmless: transport failures are then retried (failover happens anyway). */
  readonly idempotent?: boolean;
}

export interface ToolCallerOptions {
  /** Sent as `x-mesh-caller` (default `meshctl`). */
  readonly callerId?: string;
  /** Per call, across failovers and retries (default 30 s). */
  readonly timeoutMs?: number;
  /** A client certificate and the mesh CA, for a strict mesh (the operator's). */
  readonly tls?: ConnectionOptions;
}

/** Calls tools from outside any agent: an operator's CLI, a script. */
export interface ToolCaller {
  /** The tool's result (structured content, or its text); throws MeshError with the runtime's codes. */
  call(target: ToolTarget, args: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** One pool of mTLS connections with the given certificate; the CA and host name are checked as usual. */
function certificateTls(tls: ConnectionOptions): ClientTls {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ...tls });
  return {
    agentFor: () => agent,
    providerRefused: () => undefined,
  };
}

/**
 * The runtime's dependency client without an agent around it: the same balancing, failover to another
 * replica when one refuses, breakers, deadline and error mapping (`CONNECTION_FAILED`, `TIMEOUT`, the remote
 * tool's own code…) as agents calling each other, for a caller that does not register with the registry.
 */
export function createToolCaller(options: ToolCallerOptions = {}): ToolCaller {
  const callerId = options.callerId ?? 'meshctl';
  const config = resolveMeshConfig(
    {},
    { registryUrl: null, dependencyTimeoutMs: options.timeoutMs ?? 30_000 },
  );
  // One call or a few: a request each, without a stream to set up first.
  const client = new McpHttpClient(8, options.tls ? certificateTls(options.tls) : undefined, 'http');
  const pool = new ProviderPool(config.circuitBreakerThreshold, config.circuitHalfOpenAfterMs);
  const env: CallEnvironment = {
    agentId: callerId,
    config,
    client,
    budget: new RetryBudget(),
    outbound: new InFlight(),
    metrics: new RuntimeMetrics(callerId, callerId, false),
    tracing: ID_ONLY_TRACING,
    logger: silentLogger(),
    firstTopology: Promise.resolve(),
    topologyKnown: () => true,
  };
  return {
    call(target, args) {
      const slot = new DependencySlot();
      slot.replace(target.providers, pool);
      const dependency = new DependencyClient(
        {
          name: target.capability,
          capability: target.capability,
          tags: [],
          version: '',
          namespace: undefined,
          timeoutMs: undefined,
          retries: undefined,
          idempotent: target.idempotent ?? false,
          required: false,
          contract: undefined,
        },
        slot,
        env,
      );
      return dependency.call(args, {}, NO_CALLER);
    },
    close() {
      client.close();
    },
  };
}
