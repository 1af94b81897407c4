import { MeshError, formatTraceparent } from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import type { MeshConfig } from './config.js';
import { checkResponse } from './contract.js';
import type { CapabilityContract } from './contract.js';
import type { z } from 'zod';
import type { NormalizedDependency } from './tool-registry.js';
import type { McpHttpClient } from './mcp-client.js';
import type { RuntimeMetrics } from './metrics.js';
import type { SpanStarter } from './tracing.js';
import { pickBalanced } from './balancer.js';
import type { Candidate, DependencySlot } from './provider-pool.js';
import { RetryBudget, isBreakerRejection, isConnectionFailure, sleep, unrepeatable } from './resilience.js';
import { GIVE_UP, decideNext } from './call-policies.js';
import type { AttemptCounts, NextTarget, PolicySettings } from './call-policies.js';

/** Per-call options of a dependency call. */
export interface CallOptions {
  /** Overrides the dependency's timeout; the caller's deadline still caps it. */
  timeoutMs?: number;
  /** Makes a non-idempotent call safe to retry; sent as `x-mesh-idempotency-key`. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Parent span (outside tool handlers, e.g. the gateway's request span). */
  trace?: TraceContext;
}

/**
 * A callable handle on a dependency. `available` is false while no healthy provider is known, so a handler
 * can degrade instead of failing. `call` throws MeshError: the remote tool's own code for business errors,
 * or DEPENDENCY_UNAVAILABLE, CIRCUIT_OPEN, TIMEOUT, CONNECTION_FAILED, REMOTE_ERROR for transport failures.
 */
export interface DependencyProxy {
  readonly available: boolean;
  /** Healthy providers (replicas) known right now. */
  readonly providers: number;
  readonly capability: string;
  call<T = unknown>(args: Record<string, unknown>, opts?: CallOptions): Promise<T>;
}

/**
 * A dependency declared with a contract: `call` takes the contract's input and resolves to its output, checked
 * at run time (a result that does not match fails with INVALID_RESPONSE naming the field).
 */
export interface ContractProxy<C extends CapabilityContract> {
  readonly available: boolean;
  readonly providers: number;
  readonly capability: string;
  call(args: z.input<C['input']>, opts?: CallOptions): Promise<z.output<C['output']>>;
}

/** What a handler's call inherits: its trace, deadline and abort signal. */
export interface CallerContext {
  trace?: TraceContext;
  deadline?: number;
  signal?: AbortSignal;
}

/** Shared machinery for every dependency of one agent. */
export interface CallEnvironment {
  readonly agentId: string;
  readonly config: MeshConfig;
  readonly client: McpHttpClient;
  readonly budget: RetryBudget;
  /** Counts calls in flight so a stopping agent waits for them before closing connections. */
  readonly outbound: { begin(): void; end(): void };
  readonly metrics: RuntimeMetrics;
  readonly tracing: SpanStarter;
  readonly logger: Logger;
  /** Resolves once the first topology arrived (or never, if the registry was never reached). */
  readonly firstTopology: Promise<void>;
  topologyKnown(): boolean;
}

const NOTHING_TRIED: ReadonlySet<string> = new Set();

/** What one call has spent, and the provider version it ended on (the label of its metrics). */
interface CallProgress extends AttemptCounts {
  version: string;
}

/** Calls one declared dependency: balancing, failover, retries where safe, breakers, deadline, trace. */
export class DependencyClient {
  /** Labelled children by version, then outcome: created once, so a call allocates no label object. */
  private readonly outcomes = new Map<string, Map<string, { inc(): void }>>();
  private readonly durations = new Map<string, { observe(seconds: number): void }>();
  private readonly inFlight;
  /** The name of this dependency's client spans, made once. */
  private readonly spanName: string;

  constructor(
    readonly dependency: NormalizedDependency,
    readonly slot: DependencySlot,
    private readonly env: CallEnvironment,
  ) {
    const labels = { dependency: dependency.name, capability: dependency.capability };
    this.inFlight = env.metrics.dependencyInFlightCount(labels);
    this.spanName = `call ${dependency.capability}`;
  }

  get providers(): number {
    return this.slot.candidates.length;
  }

  get available(): boolean {
    const now = Date.now();
    return this.slot.candidates.some((candidate) => candidate.state.usable(now));
  }

  async call<T>(args: Record<string, unknown>, options: CallOptions, caller: CallerContext): Promise<T> {
    const started = performance.now();
    const progress: CallProgress = { staleResends: 0, failovers: 0, retries: 0, version: '' };
    this.inFlight.inc();
    this.env.outbound.begin();
    try {
      const result = await this.execute(args, options, caller, progress);
      const contract = this.dependency.contract;
      if (contract) checkResponse(contract, args, result);
      this.count('ok', progress.version);
      return result as T;
    } catch (error: unknown) {
      this.count(error instanceof MeshError ? error.code : 'INTERNAL', progress.version);
      throw error;
    } finally {
      this.inFlight.dec();
      this.env.outbound.end();
      this.durationOf(progress.version).observe((performance.now() - started) / 1000);
    }
  }

  private count(outcome: string, version: string): void {
    let byOutcome = this.outcomes.get(version);
    if (!byOutcome) {
      byOutcome = new Map();
      this.outcomes.set(version, byOutcome);
    }
    let counter = byOutcome.get(outcome);
    if (!counter) {
      counter = this.env.metrics.dependencyCallCount({
        dependency: this.dependency.name,
        capability: this.dependency.capability,
        outcome,
        version,
      });
      byOutcome.set(outcome, counter);
    }
    counter.inc();
  }

  private durationOf(version: string): { observe(seconds: number): void } {
    let histogram = this.durations.get(version);
    if (!histogram) {
      histogram = this.env.metrics.dependencyDuration.labels({
        dependency: this.dependency.name,
        capability: this.dependency.capability,
        version,
      });
      this.durations.set(version, histogram);
    }
    return histogram;
  }

  private async execute(
    args: Record<string, unknown>,
    options: CallOptions,
    caller: CallerContext,
    counts: CallProgress,
  ): Promise<unknown> {
    const { config, budget } = this.env;
    const dependency = this.dependency;
    const timeoutMs = options.timeoutMs ?? dependency.timeoutMs ?? config.dependencyTimeoutMs;
    const now = Date.now();
    const deadline =
      caller.deadline === undefined ? now + timeoutMs : Math.min(now + timeoutMs, caller.deadline);
    const signal = options.signal ?? caller.signal;
    // Safe to repeat when the consumer says so (its spec, or a key the provider dedupes on) or when the
    // provider chosen for an attempt declared its tool idempotent: then decided per attempt.
    const callerSafe = dependency.idempotent || options.idempotencyKey !== undefined;
    const settings: PolicySettings = {
      maxRetries: dependency.retries ?? config.retryAttempts,
      retryDelayMs: config.retryDelayMs,
      budget,
    };
    budget.recordCall();

    if (this.slot.candidates.length === 0 && !this.env.topologyKnown())
      await this.awaitDiscovery(deadline, signal);

    const tried = new Set<string>();
    let target: NextTarget = 'any';
    let lastError: MeshError | undefined;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lastError ?? this.timeoutError(timeoutMs);
      const candidate = this.pick(tried, target);
      if (!candidate) throw this.noProviderError(lastError);
      const state = candidate.state;
      const safe = callerSafe || candidate.idempotent;
      tried.add(state.agentId);
      counts.version = candidate.version ?? '';
      let raw: unknown;
      try {
        return await this.attempt(candidate, args, options, caller, { deadline, remaining, safe, signal });
      } catch (thrown: unknown) {
        raw = thrown;
      }
      const error = this.toError(raw, state.agentId);
      lastError = error;
      const failure = {
        error,
        raw,
        safe,
        providers: this.slot.candidates.length,
        aborted: signal?.aborted === true,
      };
      const decision = decideNext(failure, counts, settings);
      const resending = decision !== GIVE_UP && decision.target === 'same-or-other';
      if (isConnectionFailure(error) && !resending) state.eject(config.ejectionMs);
      if (decision === GIVE_UP) throw error;
      this.retried(decision.reason);
      if (resending) tried.delete(state.agentId);
      target = decision.target === 'same-or-other' ? target : decision.target;
      if (decision.delayMs > 0) {
        if (Date.now() + decision.delayMs >= deadline) throw error;
        await sleep(decision.delayMs, signal);
      }
    }
  }

  /**
   * A failover goes to a provider not tried yet; otherwise an untried one is preferred, then any usable one
   * (unless the last failure ran nothing and the call must not repeat on a tried one), then an ejected one.
   */
  private pick(tried: ReadonlySet<string>, target: NextTarget): Candidate | undefined {
    const { candidates, groups } = this.slot;
    const now = Date.now();
    const mayRepeat = target !== 'untried';
    return (
      pickBalanced(candidates, groups, tried, now) ??
      (mayRepeat ? pickBalanced(candidates, groups, NOTHING_TRIED, now) : undefined) ??
      pickBalanced(candidates, groups, mayRepeat ? NOTHING_TRIED : tried, now, Math.random, true)
    );
  }

  /** One attempt on one provider, inside its breaker and a client span. */
  private async attempt(
    candidate: Candidate,
    args: Record<string, unknown>,
    options: CallOptions,
    caller: CallerContext,
    call: { deadline: number; remaining: number; safe: boolean; signal: AbortSignal | undefined },
  ): Promise<unknown> {
    const dependency = this.dependency;
    const state = candidate.state;
    const tracing = this.env.tracing;
    const parent = options.trace ?? caller.trace;
    // Attributes are made only for exported spans.
    const span = tracing.start(
      this.spanName,
      tracing.exporting
        ? {
            kind: 'client',
            parent,
            attributes: {
              'mesh.capability': dependency.capability,
              'mesh.provider': state.agentId,
              'rpc.system': 'mcp',
              'rpc.method': candidate.functionName,
            },
          }
        : { kind: 'client', parent },
    );
    const headers: Record<string, string> = {
      traceparent: formatTraceparent(span.trace),
      'x-mesh-deadline': String(call.deadline),
      'x-mesh-caller': this.env.agentId,
    };
    if (options.idempotencyKey !== undefined) headers['x-mesh-idempotency-key'] = options.idempotencyKey;
    state.inFlight += 1;
    try {
      const result = await state.breaker.execute(() => {
        const sent = this.env.client.callTool({
          endpoint: state.endpoint,
          functionName: candidate.functionName,
          args,
          timeoutMs: call.remaining,
          headers,
          signal: call.signal,
          providerId: state.agentId,
          capability: dependency.capability,
          streams: candidate.streams === true,
        });
        // Classified inside the breaker, so an unsafe call's dropped connection counts as a failure.
        return call.safe ? sent : sent.catch(unrepeatable);
      });
      span.end();
      return result;
    } catch (raw: unknown) {
      span.end(this.toError(raw, state.agentId));
      throw raw;
    } finally {
      state.inFlight -= 1;
    }
  }

  private retried(reason: string): void {
    this.env.metrics.dependencyRetries.inc({
      dependency: this.dependency.name,
      capability: this.dependency.capability,
      reason,
    });
  }

  private async awaitDiscovery(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const waitMs = Math.min(this.env.config.discoveryTimeoutMs, deadline - Date.now());
    if (waitMs <= 0) return;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        this.slot.whenResolved(),
        this.env.firstTopology,
        sleep(waitMs, controller.signal).catch(() => undefined),
      ]);
    } finally {
      controller.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private toError(raw: unknown, providerId: string): MeshError {
    if (raw instanceof MeshError) return raw;
    if (isBreakerRejection(raw)) {
      return new MeshError('CIRCUIT_OPEN', `circuit open for ${providerId} (${this.dependency.capability})`, {
        data: { provider: providerId, capability: this.dependency.capability },
      });
    }
    return new MeshError('INTERNAL', raw instanceof Error ? raw.message : String(raw), { cause: raw });
  }

  private timeoutError(timeoutMs: number): MeshError {
    return new MeshError(
      'TIMEOUT',
      `${this.dependency.capability}: deadline passed before a provider answered`,
      {
        data: { capability: this.dependency.capability, timeoutMs },
      },
    );
  }

  private noProviderError(lastError: MeshError | undefined): MeshError {
    const candidates = this.slot.candidates;
    const capability = this.dependency.capability;
    if (candidates.length > 0 && candidates.every((candidate) => candidate.state.breakerOpen())) {
      return new MeshError('CIRCUIT_OPEN', `${capability}: circuit open for every provider`, {
        data: { capability, providers: candidates.length },
      });
    }
    if (lastError) return lastError;
    return new MeshError('DEPENDENCY_UNAVAILABLE', `no provider of ${capability} is available`, {
      data: { capability, providers: candidates.length },
    });
  }

  /** A proxy bound to a handler's call (inherits its trace, deadline and signal). */
  bind(caller: CallerContext): DependencyProxy {
    return new BoundProxy(this, caller);
  }
}

class BoundProxy implements DependencyProxy {
  constructor(
    private readonly client: DependencyClient,
    private readonly caller: CallerContext,
  ) {}

  get available(): boolean {
    return this.client.available;
  }

  get providers(): number {
    return this.client.providers;
  }

  get capability(): string {
    return this.client.dependency.capability;
  }

  call<T = unknown>(args: Record<string, unknown>, opts: CallOptions = {}): Promise<T> {
    return this.client.call<T>(args, opts, this.caller);
  }
}

/** The shared `{}` caller for proxies used outside any handler (consumer-only agents). */
export const NO_CALLER: CallerContext = Object.freeze({});

export { RetryBudget };
