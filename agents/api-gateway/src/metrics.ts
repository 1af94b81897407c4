import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LabelValues, OpenMetricsContentType } from 'prom-client';

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

  constructor(collectDefaults = true) {
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'Time to answer, by route template',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      enableExemplars: true,
      registers,
    });
    this.orders = new Counter({
      name: 'gateway_orders_total',
      help: 'Orders answered by outcome (completed, failed, pending) and failure code',
      labelNames: ['status', 'code'],
      registers,
    });
    this.shed = new Counter({
      name: 'gateway_shed_total',
      help: 'Requests refused with 503 because GATEWAY_MAX_IN_FLIGHT requests were being served',
      registers,
    });
    this.tokenRefusals = new Counter({
      name: 'gateway_token_refusals_total',
      help: 'Bearer tokens refused (401), by reason: bad_signature, expired, revoked, unknown_kid…',
      labelNames: ['reason'],
      registers,
    });
    const ages = () => this.authSyncAges();
    new Gauge({
      name: 'gateway_auth_sync_age_seconds',
      help:
        'Seconds since the token keys (what="keys") or revocations (what="revocations") were last fetched ' +
        'from auth-agent; growing while auth is unreachable and the gateway verifies with what it holds',
      labelNames: ['what'],
      registers,
      collect() {
        for (const [what, ms] of Object.entries(ages()))
          this.set({ what }, Number.isFinite(ms) ? ms / 1000 : -1);
      },
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429',
      registers,
    });
  }

  /** What `gateway_auth_sync_age_seconds` reports: milliseconds since each was fetched (Infinity: never). */
  watchAuthSync(ages: () => Record<string, number>): void {
    this.authSyncAges = ages;
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
