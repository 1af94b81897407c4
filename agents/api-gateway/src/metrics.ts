import { Registry } from 'prom-client';
import { collectProcessMetrics, metricsIn } from '@mesh/common';
import type { LabelValues, OpenMetricsContentType, Counter, Histogram } from 'prom-client';

/**
 * The gateway's Prometheus metrics (served on its own port at /metrics), in the OpenMetrics format so the
 * request duration histogram can carry exemplars: the trace id of a recent request in each bucket, which
 * Grafana links to the trace (Prometheus keeps them with --enable-feature=exemplar-storage).
 */
export class GatewayMetrics {
  readonly registry = new Registry<OpenMetricsContentType>();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly orders: Counter<'status' | 'code'>;
  readonly rateLimited: Counter;
  readonly shed: Counter;
  readonly tokenRefusals: Counter<'reason'>;
  private authSyncAges: () => Record<string, number> = () => ({});
  private queueLength: () => number = () => 0;

  constructor(collectDefaults = true) {
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    if (collectDefaults) collectProcessMetrics(this.registry, { prefix: 'gateway_' });
    const metric = metricsIn(this.registry);
    this.requests = metric.counter(
      'gateway_http_requests_total',
      'HTTP requests answered, by route template, method and status',
      ['route', 'method', 'status'],
    );
    this.duration = metric.histogram(
      'gateway_http_request_duration_seconds',
      'Time to answer, by route template',
      ['route'],
      { buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], exemplars: true },
    );
    this.orders = metric.counter(
      'gateway_orders_total',
      'Orders answered by outcome (completed, failed, pending) and failure code',
      ['status', 'code'],
    );
    this.shed = metric.counter(
      'gateway_shed_total',
      'Requests refused with 503 because GATEWAY_MAX_IN_FLIGHT requests were being served and the queue ' +
        'was full (GATEWAY_MAX_QUEUED) or the request waited GATEWAY_QUEUE_TIMEOUT',
    );
    const queued = () => this.queueLength();
    metric.gauge(
      'gateway_queued_requests',
      'Requests waiting for one of the GATEWAY_MAX_IN_FLIGHT slots',
      [],
      function collect() {
        this.set(queued());
      },
    );
    this.tokenRefusals = metric.counter(
      'gateway_token_refusals_total',
      'Bearer tokens refused (401), by reason: bad_signature, expired, revoked, unknown_kid…',
      ['reason'],
    );
    const ages = () => this.authSyncAges();
    metric.gauge(
      'gateway_auth_sync_age_seconds',
      'Seconds since the token keys (what="keys") or revocations (what="revocations") were last fetched ' +
        'from auth-agent; growing while auth is unreachable and the gateway verifies with what it holds',
      ['what'],
      function collect() {
        for (const [what, ms] of Object.entries(ages()))
          this.set({ what }, Number.isFinite(ms) ? ms / 1000 : -1);
      },
    );
    this.rateLimited = metric.counter('gateway_rate_limited_total', 'Requests refused with 429');
  }

  /** What `gateway_auth_sync_age_seconds` reports: milliseconds since each was fetched (Infinity: never). */
  watchAuthSync(ages: () => Record<string, number>): void {
    this.authSyncAges = ages;
  }

  /** What `gateway_queued_requests` reports: the requests waiting for a slot now. */
  watchQueue(length: () => number): void {
    this.queueLength = length;
  }

  /** Records one answered request; a sampled trace becomes the exemplar of the bucket it fell in. */
  observeRequest(route: string, method: string, status: number, seconds: number, traceId?: string): void {
    this.requests.inc({ route, method, status: String(status) });
    this.duration.observe({
      labels: { route },
      value: seconds,
      // prom-client types exemplar labels as the metric's own label names; exemplars have labels of their own.
      exemplarLabels: (traceId === undefined ? {} : { trace_id: traceId }) as LabelValues<'route'>,
    });
  }
}
