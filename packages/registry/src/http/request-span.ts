import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { parseTraceparent, withLogContext } from '@mesh/common';
import { toSpanContext, traceContextOf } from '@mesh/telemetry';

/** Routes that get no span: probes and scrapes every few seconds, and the long-lived watch streams. */
const UNTRACED = new Set(['/health', '/metrics', '/', '/watch/{agent_id}', 'unmatched']);

/**
 * Runs `handle` inside a SERVER span `<METHOD> <route>` (continuing the caller's traceparent) when spans are
 * exported, so the store's PostgreSQL queries nest under it and log lines carry its ids. Without a tracer this
 * is a plain call: the heartbeat path allocates nothing for tracing.
 */
export function traceRequest(
  tracer: Tracer | undefined,
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
  handle: () => void,
): void {
  if (tracer === undefined || UNTRACED.has(route)) {
    handle();
    return;
  }
  const method = req.method ?? 'GET';
  const header = req.headers['traceparent'];
  const parent = parseTraceparent(typeof header === 'string' ? header : undefined);
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, toSpanContext(parent, true))
    : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `${method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'http.route': route, 'url.scheme': 'http' },
    },
    parentContext,
  );
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500 || !res.writableFinished)
      span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.statusCode}` });
    span.end();
  });
  context.with(trace.setSpan(parentContext, span), () => withLogContext(traceContextOf(span), handle));
}
