import { describe, expect, it } from 'vitest';
import { withLogContext } from './log-context.js';
import { createLogger } from './logger.js';
import { newTraceContext } from './trace-context.js';
import { captureLog } from './log-capture.js';

describe('log context', () => {
  it('puts the trace and span ids on every line written inside withLogContext, by any logger', async () => {
    const { lines, destination } = captureLog();
    const logger = createLogger({ name: 'ctx', destination });
    const child = logger.child({ component: 'store' });
    const trace = newTraceContext();
    await withLogContext(trace, async () => {
      logger.info('before await');
      await new Promise((resolve) => setTimeout(resolve, 1));
      child.warn({ attempt: 2 }, 'after a timer');
    });
    logger.info('outside');
    expect(lines.map((line) => [line['msg'], line['trace_id'], line['span_id']])).toEqual([
      ['before await', trace.traceId, trace.spanId],
      ['after a timer', trace.traceId, trace.spanId],
      ['outside', undefined, undefined],
    ]);
    expect(lines[1]).toMatchObject({ component: 'store', attempt: 2 });
  });

  it('keeps concurrent requests apart', async () => {
    const { lines, destination } = captureLog();
    const logger = createLogger({ name: 'ctx', destination });
    const first = newTraceContext();
    const second = newTraceContext();
    const serve = (trace: typeof first, delayMs: number) =>
      withLogContext(trace, async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        logger.info({ which: trace === first ? 'first' : 'second' }, 'done');
      });
    await Promise.all([serve(first, 5), serve(second, 1)]);
    for (const line of lines)
      expect(line['trace_id']).toBe(line['which'] === 'first' ? first.traceId : second.traceId);
  });
});
