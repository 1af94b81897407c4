import autocannon from 'autocannon';
import { BENCH_USERS, benchTokens } from './bench-mesh.js';

/** What one load phase against a gateway measured. */
export interface PhaseResult {
  /** Orders answered 200 per second. */
  ordersPerSec: number;
  orders: number;
  /** Answers other than 200, errors and timeouts. */
  failed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let sequence = 0;
/** The bench users' tokens, the same keys the bench mesh publishes (one seed). */
const tokens = benchTokens();

/**
 * POST /orders against `url` for `durationMs` over `connections` keep-alive connections: as fast as they go,
 * or at `rate` orders/s in all. Each order has an id of its own and one of the bench users' tokens, as k6's
 * orders do; latencies are read from every answer (autocannon reports no p95).
 */
export async function postOrders(
  url: string,
  options: { connections: number; durationMs: number; rate?: number },
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let ok = 0;
  const settings: autocannon.Options = {
    url,
    connections: options.connections,
    duration: options.durationMs / 1000,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
    requests: [
      {
        method: 'POST',
        path: '/orders',
        setupRequest: (request) => {
          sequence += 1;
          const user = sequence % BENCH_USERS;
          return {
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[user]}`,
            },
            body: JSON.stringify({
              order_id: `bench-${process.pid}-${sequence}`,
              user_id: `user-${user}`,
              items: [{ sku: 'ITEM-1', quantity: 1 }],
            }),
          };
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(settings, (error, done) => (error ? reject(error as Error) : resolve(done)));
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
      if (status === 200) ok += 1;
    });
  });
  const sorted = Float64Array.from(latencies).sort();
  const seconds = result.duration > 0 ? result.duration : options.durationMs / 1000;
  return {
    ordersPerSec: ok / seconds,
    orders: ok,
    failed: latencies.length - ok + result.errors + result.timeouts,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
  };
}
