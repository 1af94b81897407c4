import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './metrics.js';

describe('GatewayMetrics', () => {
  it('serves OpenMetrics, with the trace id of a sampled request as the exemplar of its bucket', async () => {
    const metrics = new GatewayMetrics(false);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    metrics.observeRequest('POST /orders', 'POST', 200, 0.042, traceId);
    metrics.observeRequest('GET /health', 'GET', 200, 0.001);

    expect(metrics.registry.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await metrics.registry.metrics();
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('gateway_http_requests_total{route="POST /orders",method="POST",status="200"} 1');
    // The 0.042 s request lands in the 0.05 bucket, which carries its trace id and value.
    expect(text).toMatch(
      new RegExp(
        `gateway_http_request_duration_seconds_bucket\\{le="0.05",route="POST /orders"\\} 1 # \\{trace_id="${traceId}"\\} 0.042 \\d`,
      ),
    );
    // A request without a sampled trace leaves no exemplar.
    expect(text).toMatch(
      /gateway_http_request_duration_seconds_bucket\{le="0.005",route="GET \/health"\} 1\n/,
    );
  });
});
