import type { BlockList } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { silentLogger } from '@mesh/common';
import type { Logger } from '@mesh/common';
import { createTracing } from '@mesh/runtime';
import type { SpanStarter } from '@mesh/runtime';
import { clientAddressOf } from './client-address.js';
import type { GatewayMetrics } from './metrics.js';
import type { MeshCallOptions, MeshPorts } from './mesh-ports.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RequestScope } from './request-scope.js';
import type { TokenVerifier } from './token-check/local-verifier.js';

/** What the gateway needs; main.ts wires the real ones, tests pass fakes. */
export interface GatewayOptions {
  mesh: MeshPorts;
  limiter: RateLimiter;
  /** Checks bearer tokens (main.ts: locally, with auth's published keys). */
  tokens: TokenVerifier;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** How long POST /orders waits for the saga (ORDER_PROCESSING_TIMEOUT plus room for compensation). */
  orderTimeoutMs: number;
  /** How long other mesh calls may take. */
  requestTimeoutMs: number;
  /** Peers (nginx) whose X-Forwarded-For names the client; everyone else is their socket's address. */
  trustedProxies: BlockList;
  /** Whether the mesh runtime has started (for /ready). */
  started: () => boolean;
  /** Requests served at once; past it a request waits in the queue, or is shed with 503 + Retry-After. */
  maxInFlight?: number;
  /** Requests that may wait for a free slot, in arrival order (default 0: shed at once); probes never wait. */
  maxQueued?: number;
  /** Longest a request waits in that queue before it is shed (default 10 s). */
  queueTimeoutMs?: number;
  /** Retry-After (seconds) on 503 answers: outages, shed load. */
  retryAfterSeconds?: number;
  /** Where request spans go (main.ts: the agent's, exported with OTEL_*); default: ids only. */
  tracing?: SpanStarter;
}

/** What every middleware and route group shares: the options with their defaults applied. */
export interface GatewayContext {
  readonly mesh: MeshPorts;
  readonly limiter: RateLimiter;
  readonly tokens: TokenVerifier;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics | undefined;
  readonly bodyLimitBytes: number;
  readonly orderTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
  /** The Retry-After header value of 503 answers. */
  readonly retryAfter: string;
  readonly started: () => boolean;
  readonly tracing: SpanStarter;
  /** The client's address: the peer, or X-Forwarded-For's client behind a trusted proxy. */
  clientAddress(req: IncomingMessage): string;
  /** Options of a mesh call made for a request: its trace, and `timeoutMs` (default: the request timeout). */
  callOptions(scope: RequestScope, timeoutMs?: number): MeshCallOptions;
}

export function gatewayContext(options: GatewayOptions): GatewayContext {
  return {
    mesh: options.mesh,
    limiter: options.limiter,
    tokens: options.tokens,
    logger: options.logger ?? silentLogger(),
    metrics: options.metrics,
    bodyLimitBytes: options.bodyLimitBytes,
    orderTimeoutMs: options.orderTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    maxInFlight: options.maxInFlight ?? Number.POSITIVE_INFINITY,
    maxQueued: options.maxQueued ?? 0,
    queueTimeoutMs: options.queueTimeoutMs ?? 10_000,
    retryAfter: String(options.retryAfterSeconds ?? 2),
    started: options.started,
    tracing: options.tracing ?? createTracing(),
    clientAddress: (req) => clientAddressOf(req, options.trustedProxies),
    callOptions: (scope, timeoutMs = options.requestTimeoutMs) => ({ trace: scope.trace, timeoutMs }),
  };
}
