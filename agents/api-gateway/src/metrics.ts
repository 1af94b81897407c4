import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics (served on its own port at /metrics). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly orders: Counter<'status' | 'code'>;
  readonly rateLimited: Counter;
  readonly shed: Counter;

  constructor(collectDefaults = true) {
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
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429',
      registers,
    });
  }
}
