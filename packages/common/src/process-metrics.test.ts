import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectProcessMetrics } from './process-metrics.js';

describe('collectProcessMetrics', () => {
  it('registers the default process metrics the dashboard reads, event-loop lag percentiles included', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    const text = await registry.metrics();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(text).toContain(`# TYPE ${name} `);
  });

  it('puts the prefix in front of every name', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry, { prefix: 'gateway_' });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE gateway_nodejs_eventloop_lag_p99_seconds ');
    expect(text).not.toContain('# TYPE nodejs_eventloop_lag_p99_seconds ');
  });
});
