import { randomBytes } from 'node:crypto';

/** A W3C trace context (https://www.w3.org/TR/trace-context/), version 00. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Parses a `traceparent` header; undefined when absent or malformed (the caller starts a new trace). A
 * well-formed header (as every mesh caller sends) is tested as it is, then cut at its fixed offsets; only
 * another one is trimmed and lowercased first.
 */
export function parseTraceparent(header: string | undefined | null): TraceContext | undefined {
  if (!header) return undefined;
  let value = header;
  if (!TRACEPARENT_PATTERN.test(value)) {
    value = header.trim().toLowerCase();
    if (!TRACEPARENT_PATTERN.test(value)) return undefined;
  }
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(value.slice(53, 55), 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

export function newTraceContext(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), sampled: true };
}

/** A child span of `parent` (same trace, new span id), or a new trace when there is no parent. */
export function childTraceContext(parent: TraceContext | undefined): TraceContext {
  if (!parent) return newTraceContext();
  return { traceId: parent.traceId, spanId: randomBytes(8).toString('hex'), sampled: parent.sampled };
}
