import { describe, expect, it } from 'vitest';
import { federateUrl, samplesByReplica } from './federation.js';
import { parsePrometheusText } from './prometheus-text.js';

describe('federateUrl', () => {
  it('asks for exactly the families the page reads', () => {
    const url = new URL(federateUrl('http://127.0.0.1:9090/'));
    expect(url.pathname).toBe('/federate');
    expect(url.searchParams.getAll('match[]')).toEqual([
      '{__name__=~"mesh_dependency_calls_total|mesh_dependency_duration_seconds_bucket|mesh_registry_connected"}',
    ]);
  });
});

describe('samplesByReplica', () => {
  it('splits a federation answer by agent_id, at the time Prometheus scraped each replica', () => {
    const text = [
      '# TYPE mesh_dependency_calls_total untyped',
      'mesh_dependency_calls_total{agent="order-agent",agent_id="order-agent-1",capability="user_get",instance="172.18.0.7:8080",job="agents",outcome="ok"} 10 1700000000000',
      'mesh_dependency_calls_total{agent="order-agent",agent_id="order-agent-2",capability="user_get",instance="172.18.0.8:8080",job="agents",outcome="ok"} 4 1700000001000',
      'mesh_registry_connected{agent_id="order-agent-2",exported_agent="order-agent",agent="order-agent",instance="172.18.0.8:8080",job="agents"} 1 1700000001000',
      'mesh_dependency_calls_total{capability="user_get",outcome="ok"} 99 1700000001000',
    ].join('\n');
    const byReplica = samplesByReplica(parsePrometheusText(text, ['mesh_']), 5);
    expect([...byReplica.keys()]).toEqual(['order-agent-1', 'order-agent-2']);
    expect(byReplica.get('order-agent-1')).toMatchObject({ atMs: 1_700_000_000_000 });
    expect(byReplica.get('order-agent-2')?.samples.map((s) => s.value)).toEqual([4, 1]);
    expect(byReplica.get('order-agent-2')?.atMs).toBe(1_700_000_001_000);
  });

  it('takes the fallback time for samples without one', () => {
    const samples = parsePrometheusText('mesh_registry_connected{agent_id="a-1"} 1', ['mesh_']);
    expect(samplesByReplica(samples, 42).get('a-1')?.atMs).toBe(42);
  });
});
