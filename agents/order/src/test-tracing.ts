import type { TraceContext } from '@mesh/common';
import type { SpanHandle, SpanStarter, StartSpanOptions } from '@mesh/runtime';

/** Records the spans started and whether each ended with an error. */
export function recordingTracing(): SpanStarter & {
  spans: { name: string; attributes: unknown; ended: string }[];
} {
  const spans: { name: string; attributes: unknown; ended: string }[] = [];
  return {
    exporting: true,
    spans,
    start(name: string, options: StartSpanOptions): SpanHandle {
      const record = { name, attributes: options.attributes, ended: 'no' };
      spans.push(record);
      const trace: TraceContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true };
      return {
        trace,
        recording: true,
        setAttribute: () => undefined,
        updateName: () => undefined,
        run: (fn) => fn(),
        end: (error?: unknown) => {
          record.ended = error === undefined ? 'ok' : 'error';
        },
        endFailed: () => {
          record.ended = 'error';
        },
      };
    },
  };
}
