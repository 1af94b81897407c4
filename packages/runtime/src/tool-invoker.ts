import { MeshError, parseTraceparent } from '@mesh/common';
import type { Logger, TraceContext } from '@mesh/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { DependencyClient } from './dependency-proxy.js';
import { ToolCallContext } from './tool-call-context.js';
import type { CallerLink } from './tool-call-context.js';
import type { RegisteredTool } from './tool-registry.js';
import type { RuntimeMetrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/** The MCP `tools/call` result shape. */
export interface ToolCallResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A tool ready to serve: its declaration plus its dependency clients (by key). */
export interface ServedTool {
  readonly tool: RegisteredTool;
  readonly dependencies: readonly DependencyClient[];
}

interface ToolMetrics {
  duration: { observe(value: number): void };
  inFlight: { inc(): void; dec(): void };
  outcomes: Map<string, { inc(): void }>;
  /** The server span's attributes, made once per tool (only read when spans are exported). */
  spanAttributes: Readonly<Record<string, string>>;
}

/**
 * Runs tool handlers with their context: validated input, bound dependency proxies, server span, deadline
 * and abort signal. Turns results and errors into MCP results. Counts in-flight calls for draining.
 */
export class ToolInvoker {
  private readonly toolMetrics = new Map<string, ToolMetrics>();
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly debug: boolean;

  constructor(
    private readonly app: unknown,
    private readonly logger: Logger,
    private readonly metrics: RuntimeMetrics,
    private readonly tracing: Tracing,
    private readonly defaultTimeoutMs: number,
  ) {
    this.debug = logger.isLevelEnabled('debug');
  }

  get inFlight(): number {
    return this.active;
  }

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Runs one call. The abort signal (and its deadline timer) is created only when the handler or a
   * dependency call asks for it, so simple tools pay nothing for it (see ToolCallContext).
   */
  async invoke(
    served: ServedTool,
    input: unknown,
    headers: IncomingHttpHeaders,
    res: CallerLink,
  ): Promise<ToolCallResult> {
    const tool = served.tool;
    const metrics = this.metricsFor(tool.name);
    const started = performance.now();
    const span = this.tracing.start(`tool ${tool.name}`, {
      kind: 'server',
      parent: parseTraceparent(headerValue(headers.traceparent)),
      attributes: metrics.spanAttributes,
    });
    const deadline =
      parseDeadline(headerValue(headers['x-mesh-deadline'])) ?? Date.now() + this.defaultTimeoutMs;
    this.active += 1;
    metrics.inFlight.inc();
    let outcome = 'ok';
    const ctx = new ToolCallContext(
      this.app,
      tool,
      served.dependencies,
      span,
      deadline,
      headerValue(headers['x-mesh-idempotency-key']),
      res,
      this.logger,
    );
    try {
      // Inside the span: the handler's log lines carry its ids, and with export on its PostgreSQL and HTTP calls
      // become its children.
      const value = await span.run(() => tool.handler(input, ctx));
      const failure = tool.outcome?.(value);
      if (failure === undefined) {
        span.setAttribute('mesh.outcome', 'ok');
        span.end();
      } else {
        outcome = failure;
        span.endFailed(failure);
      }
      return toResult(value);
    } catch (error: unknown) {
      const meshError = this.toMeshError(error, tool.name, span.trace);
      outcome = meshError.code;
      span.end(meshError);
      return errorResult(meshError, tool.outputJsonSchema !== undefined);
    } finally {
      ctx.release();
      metrics.inFlight.dec();
      metrics.duration.observe((performance.now() - started) / 1000);
      this.outcome(metrics, tool.name, outcome);
      if (this.debug) {
        const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
        this.logger.debug(
          { trace_id: span.trace.traceId, span_id: span.trace.spanId, tool: tool.name, outcome, durationMs },
          'tool call',
        );
      }
      this.active -= 1;
      if (this.active === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  private toMeshError(error: unknown, toolName: string, trace: TraceContext): MeshError {
    const ids = { trace_id: trace.traceId, span_id: trace.spanId };
    if (error instanceof MeshError) {
      this.logger.debug({ ...ids, tool: toolName, code: error.code }, 'tool failed');
      return error;
    }
    this.logger.error({ ...ids, tool: toolName, err: error }, 'tool handler threw an unexpected error');
    return new MeshError('INTERNAL', `${toolName} failed unexpectedly`);
  }

  private metricsFor(tool: string): ToolMetrics {
    let metrics = this.toolMetrics.get(tool);
    if (!metrics) {
      metrics = {
        duration: this.metrics.toolDuration.labels({ tool }),
        inFlight: this.metrics.toolInFlightCount({ tool }),
        outcomes: new Map(),
        spanAttributes: Object.freeze({ 'mesh.tool': tool, 'rpc.system': 'mcp', 'rpc.method': tool }),
      };
      this.toolMetrics.set(tool, metrics);
    }
    return metrics;
  }

  private outcome(metrics: ToolMetrics, tool: string, outcome: string): void {
    let counter = metrics.outcomes.get(outcome);
    if (!counter) {
      counter = this.metrics.toolCallCount({ tool, outcome });
      metrics.outcomes.set(outcome, counter);
    }
    counter.inc();
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseDeadline(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const deadline = Number(value);
  return Number.isFinite(deadline) && deadline > 0 ? deadline : undefined;
}

/**
 * A handler's return value as an MCP result: objects become structuredContent, everything is JSON text. The
 * text is then exactly `JSON.stringify(structuredContent)`, which `toolCallResponseJson` relies on.
 */
export function toResult(value: unknown): ToolCallResult {
  const text = value === undefined ? 'null' : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> };
  }
  return { content: [{ type: 'text', text }] };
}

/**
 * A MeshError as an MCP error result. Tools with an outputSchema carry the error in the text only, since
 * MCP clients validate any structuredContent against the output schema. As in `toResult`, the text is
 * `JSON.stringify(structuredContent)` when there is one.
 */
export function errorResult(error: MeshError, hasOutputSchema: boolean): ToolCallResult {
  const body = { error: error.toJSON() };
  const result: ToolCallResult = { content: [{ type: 'text', text: JSON.stringify(body) }], isError: true };
  if (!hasOutputSchema) result.structuredContent = body;
  return result;
}

/**
 * The JSON-RPC response to a `tools/call`, as `JSON.stringify({ jsonrpc: '2.0', id, result })` writes it, but
 * serializing the handler's value once: a result made by `toResult` or `errorResult` holds that value's JSON
 * as its text already, which is also the JSON of its structuredContent, so it is copied rather than made again.
 */
export function toolCallResponseJson(id: unknown, result: ToolCallResult): string {
  const item = result.content.length === 1 ? result.content[0] : undefined;
  if (id === undefined || item === undefined || result.structuredContent === undefined)
    return JSON.stringify({ jsonrpc: '2.0', id, result });
  const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":${JSON.stringify(item.text)}}]`;
  return `${head}${result.isError === undefined ? '' : `,"isError":${String(result.isError)}`},"structuredContent":${item.text}}}`;
}
