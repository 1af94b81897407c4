import { describe, expect, it } from 'vitest';
import { childTraceContext, formatTraceparent, newTraceContext, parseTraceparent } from './trace-context.js';

describe('traceparent', () => {
  it('round-trips a context through the header format', () => {
    const context = newTraceContext();
    expect(parseTraceparent(formatTraceparent(context))).toEqual(context);
  });

  it('rejects malformed and all-zero headers', () => {
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it('keeps the trace id and changes the span id for a child', () => {
    const parent = newTraceContext();
    const child = childTraceContext(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.spanId).not.toBe(parent.spanId);
  });
});
