import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace-context.js';

const storage = new AsyncLocalStorage<TraceContext>();

/**
 * Runs `fn` with `trace` as the log context: every line a `createLogger` logger writes while `fn` (and what
 * it awaits or schedules) runs carries its `trace_id` and `span_id`, whichever logger instance writes it. The
 * runtime does this around each tool call, the gateway around each request, the event bus around each message.
 */
export function withLogContext<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

/** The trace of the request or call being served here, if any. */
export function currentLogContext(): TraceContext | undefined {
  return storage.getStore();
}

/** pino `mixin`: the log context's ids, or nothing outside any request (a fresh object: pino merges into it). */
export function logContextFields(): Record<string, string> {
  const trace = storage.getStore();
  return trace === undefined ? {} : { trace_id: trace.traceId, span_id: trace.spanId };
}
