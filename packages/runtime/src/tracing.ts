import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import type { Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { randomFillSync } from 'node:crypto';
import type { TraceContext } from '@mesh/common';

/** A started span: its W3C context (to propagate) and how to end it. */
export interface SpanHandle {
  readonly trace: TraceContext;
  end(error?: unknown): void;
}

const NOOP_END = (): void => undefined;

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

/**
 * Spans for tool calls (server) and dependency calls (client). Trace ids always propagate (W3C
 * traceparent); OpenTelemetry spans are recorded only when an exporter is set up, so the hot path stays
 * allocation-light otherwise: without one, trace and span ids are made here and no OpenTelemetry object
 * is created per call.
 */
export class Tracing {
  private readonly tracer: Tracer | undefined;

  /** `provider`: where spans go when enabled (default: the global one that OTLP export registers). */
  constructor(enabled: boolean, provider: TracerProvider = trace) {
    this.tracer = enabled ? provider.getTracer('@mesh/runtime') : undefined;
  }

  start(
    name: string,
    kind: 'server' | 'client',
    parent: TraceContext | undefined,
    attributes: Record<string, string>,
  ): SpanHandle {
    if (!this.tracer) return { trace: childTrace(parent), end: NOOP_END };
    const parentContext = parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId,
          spanId: parent.spanId,
          traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: kind === 'server',
        })
      : ROOT_CONTEXT;
    const span: Span = this.tracer.startSpan(
      name,
      { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, attributes },
      parentContext,
    );
    const context = span.spanContext();
    return {
      trace: {
        traceId: context.traceId,
        spanId: context.spanId,
        sampled: (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
      },
      end(error?: unknown) {
        if (error !== undefined) {
          const code = (error as { code?: unknown }).code;
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          if (typeof code === 'string') span.setAttribute('mesh.error_code', code);
        }
        span.end();
      },
    };
  }
}

/** What setting up OTLP export returns: flush and stop on shutdown. */
export interface TraceExport {
  shutdown(): Promise<void>;
}

/**
 * Registers a global tracer provider exporting spans over OTLP/HTTP to `endpoint` (the collector's base URL,
 * as OTEL_EXPORTER_OTLP_ENDPOINT means). Loaded lazily so agents without tracing never load the SDK.
 */
export async function setupOtlpExport(endpoint: string, serviceName: string): Promise<TraceExport> {
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}
