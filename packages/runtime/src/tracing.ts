import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { randomFillSync } from 'node:crypto';
import { withLogContext } from '@mesh/common';
import { markSpanFailed, toSpanContext, traceContextOf } from '@mesh/telemetry';
import type { TraceContext } from '@mesh/common';

/** What a span is: a served call, a call made, a message sent or processed, or work inside one. */
export type SpanKindName = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** Options of `SpanStarter.start`. */
export interface StartSpanOptions {
  kind: SpanKindName;
  /**
   * The remote or explicit parent (an incoming traceparent, a tool's trace). Without one, the span continues
   * the active OpenTelemetry context when spans are exported, else it starts a new trace.
   */
  parent?: TraceContext | undefined;
  attributes?: Attributes;
  /** Spans this one relates to without being their child (a batch written for many messages). */
  links?: readonly TraceContext[];
}

/** A started span: its W3C context (to propagate), attributes, how to run work inside it and how to end it. */
export interface SpanHandle {
  readonly trace: TraceContext;
  /** Whether the span is recorded (exported); attributes of an unrecorded span are not worth computing. */
  readonly recording: boolean;
  setAttribute(key: string, value: string | number | boolean): void;
  /** Renames the span once what it is became known (an HTTP server span's route). */
  updateName(name: string): void;
  /**
   * Runs `fn` inside the span: lines logged meanwhile carry its trace and span ids, and with export on it is
   * the active OpenTelemetry span, so the PostgreSQL and HTTP spans of what `fn` does become its children.
   */
  run<T>(fn: () => T): T;
  /** Ends the span; with `error`, with ERROR status, the error's message and its code as `mesh.error_code`. */
  end(error?: unknown): void;
  /**
   * Ends the span of work that answered a business failure (a declined charge, a failed order) rather than
   * throwing: ERROR status and `mesh.outcome` = `outcome`.
   */
  endFailed(outcome: string, message?: string): void;
}

/** Starts spans; the runtime's own, or one an app (an HTTP edge, a message consumer) uses for its work. */
export interface SpanStarter {
  /** Whether spans are exported (OpenTelemetry objects are made only then). */
  readonly exporting: boolean;
  start(name: string, options: StartSpanOptions): SpanHandle;
}

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** Random hex ids from a refilled pool: one random syscall per ~170 spans instead of two per span. */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A child span of `parent` (same trace, new span id), or the root of a new trace. */
export function childTrace(parent: TraceContext | undefined): TraceContext {
  return parent
    ? { traceId: parent.traceId, spanId: randomHex(8), sampled: parent.sampled }
    : { traceId: randomHex(16), spanId: randomHex(8), sampled: true };
}

const KINDS: Readonly<Record<SpanKindName, SpanKind>> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

/** A span that is not exported: ids only, for propagation and logs. One small object per span. */
class IdOnlySpan implements SpanHandle {
  readonly recording = false;
  constructor(readonly trace: TraceContext) {}
  setAttribute(): void {}
  updateName(): void {}
  end(): void {}
  endFailed(): void {}
  run<T>(fn: () => T): T {
    return withLogContext(this.trace, fn);
  }
}

/** An exported OpenTelemetry span behind the SpanHandle interface. */
class OtelSpan implements SpanHandle {
  readonly trace: TraceContext;
  readonly recording: boolean;

  constructor(
    private readonly span: Span,
    private readonly parentContext: Context,
  ) {
    this.trace = traceContextOf(span);
    this.recording = span.isRecording();
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.span.setAttribute(key, value);
  }

  updateName(name: string): void {
    this.span.updateName(name);
  }

  run<T>(fn: () => T): T {
    // The context is made here, not up front: client spans never run anything inside themselves.
    return context.with(trace.setSpan(this.parentContext, this.span), () => withLogContext(this.trace, fn));
  }

  end(error?: unknown): void {
    if (error !== undefined) {
      const code = (error as { code?: unknown } | null)?.code;
      markSpanFailed(this.span, error);
      if (typeof code === 'string') {
        this.span.setAttribute('mesh.error_code', code);
        this.span.setAttribute('mesh.outcome', code);
      }
    }
    this.span.end();
  }

  endFailed(outcome: string, message?: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? outcome });
    this.span.setAttribute('mesh.outcome', outcome);
    this.span.end();
  }
}

/**
 * Spans for tool calls (server), dependency calls (client) and an app's own work. Trace ids always propagate
 * (W3C traceparent) and always reach the logs; OpenTelemetry spans are recorded only when an exporter is set
 * up, so the hot path stays allocation-light otherwise: without one, trace and span ids are made here and no
 * OpenTelemetry object is created per call.
 */
export class Tracing implements SpanStarter {
  private readonly tracer: Tracer | undefined;

  /** `provider`: where spans go when enabled (default: the global one that OTLP export registers). */
  constructor(enabled: boolean, provider: TracerProvider = trace) {
    this.tracer = enabled ? provider.getTracer('@mesh/runtime') : undefined;
  }

  get exporting(): boolean {
    return this.tracer !== undefined;
  }

  start(name: string, options: StartSpanOptions): SpanHandle {
    const parent = options.parent;
    if (!this.tracer) return new IdOnlySpan(childTrace(parent));
    const kind = options.kind;
    // A traceparent that came over the wire is remote; a parent handed over in this process is not.
    const parentContext = parent
      ? trace.setSpanContext(ROOT_CONTEXT, toSpanContext(parent, kind === 'server' || kind === 'consumer'))
      : context.active();
    const links: Link[] | undefined = options.links?.map((linked) => ({
      context: toSpanContext(linked, false),
    }));
    const span = this.tracer.startSpan(
      name,
      {
        kind: KINDS[kind],
        ...(options.attributes ? { attributes: options.attributes } : {}),
        ...(links ? { links } : {}),
      },
      parentContext,
    );
    return new OtelSpan(span, parentContext);
  }
}

/** A SpanStarter that exports nothing (ids and log context only). */
export const ID_ONLY_TRACING: SpanStarter = new Tracing(false);

/**
 * Spans recorded with `provider` (an app's own OpenTelemetry SDK, a test's in-memory exporter), or without
 * one, spans that only carry ids.
 */
export function createTracing(provider?: TracerProvider): SpanStarter {
  return provider === undefined ? ID_ONLY_TRACING : new Tracing(true, provider);
}
