import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-format.js';

describe('formatLogLine', () => {
  it('puts time, level, agent, message and trace id first, then the other fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-06T10:41:33.123Z',
      service: 'order-agent',
      agent_id: 'order-agent-1a2b3c4d',
      pid: 4242,
      hostname: 'box',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      order_id: 'o-1',
      amount: 12.5,
      items: [{ sku: 'ITEM-1' }],
      msg: 'order completed',
    });
    expect(formatLogLine(line)).toBe(
      '10:41:33.123 INFO  order-agent order completed trace=0af7651916cd43dd8448eb211c80319c ' +
        'span_id=b7ad6b7169203331 order_id=o-1 amount=12.5 items=[{"sku":"ITEM-1"}]',
    );
  });

  it('reads numeric pino levels and shows an error with its stack below', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1_796_000_000_000,
      name: 'registry',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' },
      msg: 'request failed',
    });
    expect(formatLogLine(line).split('\n')).toEqual([
      `${new Date(1_796_000_000_000).toISOString().slice(11, 23)} ERROR registry request failed err=boom`,
      '    Error: boom',
      '        at x (y.js:1:1)',
    ]);
  });

  it('leaves a line that is not a JSON object as it is', () => {
    expect(formatLogLine('listening on 8080')).toBe('listening on 8080');
    expect(formatLogLine('[1,2]')).toBe('[1,2]');
    expect(formatLogLine('')).toBe('');
  });
});
