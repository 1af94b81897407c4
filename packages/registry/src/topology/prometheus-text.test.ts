import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads the samples of the families asked for, labels unescaped', () => {
    const text = [
      '# HELP mesh_dependency_calls_total Calls made to dependencies.',
      '# TYPE mesh_dependency_calls_total counter',
      'mesh_dependency_calls_total{agent="order-agent",capability="user_get",outcome="ok"} 12',
      'mesh_dependency_calls_total{capability="odd",outcome="say \\"hi\\"\\\\"} 3 1700000000000',
      'process_cpu_seconds_total 4.5',
      'mesh_dependency_duration_seconds_bucket{capability="user_get",le="+Inf"} 12',
    ].join('\n');
    const samples = parsePrometheusText(text, ['mesh_dependency_']);
    expect(samples).toEqual([
      {
        name: 'mesh_dependency_calls_total',
        labels: { agent: 'order-agent', capability: 'user_get', outcome: 'ok' },
        value: 12,
      },
      {
        name: 'mesh_dependency_calls_total',
        labels: { capability: 'odd', outcome: 'say "hi"\\' },
        value: 3,
        timestampMs: 1700000000000,
      },
      {
        name: 'mesh_dependency_duration_seconds_bucket',
        labels: { capability: 'user_get', le: '+Inf' },
        value: 12,
      },
    ]);
  });

  it('skips malformed lines instead of failing the scrape', () => {
    const text = [
      'mesh_x{capability="unterminated} 1',
      'mesh_x{capability=bare} 1',
      'mesh_x{a="1"}',
      'mesh_x not-a-number',
      'mesh_x 7',
    ].join('\n');
    expect(parsePrometheusText(text, ['mesh_x'])).toEqual([{ name: 'mesh_x', labels: {}, value: 7 }]);
  });
});
