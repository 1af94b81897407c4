import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake replica reports: a steady call rate, a share of errors, latencies in known buckets. */
export interface FakeDependencyTraffic {
  readonly agent: string;
  readonly agentId: string;
  readonly dependency: string;
  readonly capability: string;
  readonly callsPerSecond: number;
  readonly errorRatio: number;
  /** Cumulative share of calls at or under each bound, e.g. [[0.01, 0.5], [0.025, 0.9], [0.05, 1]]. */
  readonly latencyShares: readonly (readonly [number, number])[];
}

export interface FakeMetricsServer {
  /** host:port, for a scrape target. */
  readonly target: string;
  close(): Promise<void>;
}

/**
 * A `/metrics` endpoint speaking like one replica of the runtime (packages/runtime/src/metrics.ts: the same
 * families and labels, `agent` and `agent_id` on every series): its counters grow with the wall clock at a
 * steady rate, so any two scrapes give the same calls/s, error ratio and p95.
 */
export async function startFakeMetrics(traffic: FakeDependencyTraffic): Promise<FakeMetricsServer> {
  const startedAt = Date.now();
  const server = http.createServer((_req, res) => {
    const calls = ((Date.now() - startedAt) / 1000) * traffic.callsPerSecond;
    const base = `agent="${traffic.agent}",agent_id="${traffic.agentId}",dependency="${traffic.dependency}",capability="${traffic.capability}"`;
    const lines = [
      '# TYPE mesh_dependency_calls_total counter',
      `mesh_dependency_calls_total{${base},outcome="ok",version="1.0.0"} ${calls * (1 - traffic.errorRatio)}`,
      `mesh_dependency_calls_total{${base},outcome="TIMEOUT",version="1.0.0"} ${calls * traffic.errorRatio}`,
      '# TYPE mesh_dependency_duration_seconds histogram',
      ...traffic.latencyShares.map(
        ([le, share]) =>
          `mesh_dependency_duration_seconds_bucket{${base},version="1.0.0",le="${le}"} ${calls * share}`,
      ),
      `mesh_dependency_duration_seconds_bucket{${base},version="1.0.0",le="+Inf"} ${calls}`,
      `mesh_dependency_duration_seconds_count{${base},version="1.0.0"} ${calls}`,
      '# TYPE mesh_registry_connected gauge',
      `mesh_registry_connected{agent="${traffic.agent}",agent_id="${traffic.agentId}"} 1`,
      '',
    ];
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
