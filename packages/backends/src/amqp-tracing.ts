import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { childTraceContext, formatTraceparent, parseTraceparent, withLogContext } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import { markSpanFailed, toSpanContext, traceContextOf } from '@mesh/telemetry';

/**
 * Spans of the event bus, after the OpenTelemetry messaging conventions: a PRODUCER span per publish
 * (`publish <exchange>`) whose context travels in the message's `traceparent` header, and a CONSUMER span per
 * delivery (`process <queue>`) whose parent is that header. They go to the process's global tracer provider,
 * which exists only when span export is on; without one they cost a no-op span, and the trace ids still reach
 * the handler and its log lines.
 */
const tracer = trace.getTracer('@mesh/backends');

function remoteContext(parent: TraceContext | undefined, isRemote: boolean): Context {
  if (parent === undefined) return isRemote ? ROOT_CONTEXT : context.active();
  return trace.setSpanContext(ROOT_CONTEXT, toSpanContext(parent, isRemote));
}

/** A publish in progress: the traceparent to send with the message, and how to end its span. */
export interface PublishSpan {
  /** The producer span's traceparent when it is recorded, else the caller's (unchanged). */
  readonly traceparent: string | undefined;
  end(error?: unknown): void;
}

export function startPublishSpan(
  exchange: string,
  routingKey: string,
  callerTraceparent: string | undefined,
  attributes: Attributes,
): PublishSpan {
  const parent = parseTraceparent(callerTraceparent);
  const span = tracer.startSpan(
    `publish ${exchange}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': exchange,
        'messaging.rabbitmq.destination.routing_key': routingKey,
        ...attributes,
      },
    },
    remoteContext(parent, false),
  );
  const recording = span.isRecording();
  return {
    traceparent: recording ? formatTraceparent(traceContextOf(span)) : callerTraceparent,
    end(error?: unknown) {
      if (error !== undefined) {
        markSpanFailed(span, error);
      }
      span.end();
    },
  };
}

/** A delivery being processed: its ids (for the handler's traceparent and logs), and how to end its span. */
export interface ProcessSpan {
  readonly trace: TraceContext;
  /** Runs the handler inside the span: its log lines, PostgreSQL queries and calls belong to the message's trace. */
  run<T>(fn: () => T): T;
  end(outcome: 'acked' | 'retried' | 'dead_lettered', error?: unknown): void;
}

export function startProcessSpan(
  queue: string,
  traceparent: string | undefined,
  attributes: Attributes,
): ProcessSpan {
  const parent = parseTraceparent(traceparent);
  const parentContext = remoteContext(parent, true);
  const span = tracer.startSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.subscription.name': queue,
        ...attributes,
      },
    },
    parentContext,
  );
  // Without export the span is a no-op that repeats its parent's ids: make a child id for the logs instead.
  const ids = span.isRecording() ? traceContextOf(span) : childTraceContext(parent);
  const active = trace.setSpan(parentContext, span);
  return {
    trace: ids,
    run: (fn) => context.with(active, () => withLogContext(ids, fn)),
    end(outcome, error) {
      span.setAttribute('mesh.outcome', outcome);
      if (error !== undefined) {
        markSpanFailed(span, error);
      }
      span.end();
    },
  };
}
