import { describe, expect, it } from 'vitest';
import { RuntimeMetrics } from './metrics.js';

async function exposition(metrics: RuntimeMetrics): Promise<string> {
  return (await metrics.render()).body;
}

describe('scrape-time counts', () => {
  it('shows counted calls at every read, each counted once', async () => {
    const metrics = new RuntimeMetrics('counting', 'counting-1', false);
    const ok = metrics.toolCallCount({ tool: 'echo', outcome: 'ok' });
    ok.inc();
    ok.inc();
    expect(await exposition(metrics)).toMatch(/^mesh_tool_calls_total\{[^}]*outcome="ok"[^}]*\} 2$/m);
    ok.inc();
    expect(await exposition(metrics)).toMatch(/^mesh_tool_calls_total\{[^}]*outcome="ok"[^}]*\} 3$/m);
    expect(await exposition(metrics)).toMatch(/^mesh_tool_calls_total\{[^}]*outcome="ok"[^}]*\} 3$/m);
  });

  it('shows calls in flight as they are when read, and no series before the first call', async () => {
    const metrics = new RuntimeMetrics('counting', 'counting-1', false);
    const inFlight = metrics.dependencyInFlightCount({ dependency: 'thing', capability: 'thing' });
    expect(await exposition(metrics)).not.toMatch(/^mesh_dependency_in_flight\{/m);
    inFlight.inc();
    inFlight.inc();
    expect(await exposition(metrics)).toMatch(
      /^mesh_dependency_in_flight\{[^}]*dependency="thing"[^}]*\} 2$/m,
    );
    inFlight.dec();
    inFlight.dec();
    expect(await exposition(metrics)).toMatch(
      /^mesh_dependency_in_flight\{[^}]*dependency="thing"[^}]*\} 0$/m,
    );
  });

  it('adds the counts of two holders of the same series', async () => {
    const metrics = new RuntimeMetrics('counting', 'counting-1', false);
    const labels = { dependency: 'thing', capability: 'thing', outcome: 'ok', version: '1.0.0' };
    metrics.dependencyCallCount(labels).inc();
    metrics.dependencyCallCount(labels).inc();
    expect(await exposition(metrics)).toMatch(/^mesh_dependency_calls_total\{[^}]*outcome="ok"[^}]*\} 2$/m);
  });
});
