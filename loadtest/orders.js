// k6 load test of the order flow through the gateway: the seed's burst of 1,000 concurrent orders, then a
// constant arrival rate. Thresholds fail the run (exit code 99) when orders fail or get slow.
//
//   k6 run loadtest/orders.js                               # burst of 1,000, then 300 orders/s for 60 s
//   PROFILE=short k6 run loadtest/orders.js                 # CI: burst of 100, then 10 orders/s for 10 s
//   SCENARIOS=sustained RATE=150 DURATION=2m k6 run loadtest/orders.js
//
// Env: BASE_URL (default http://localhost:8080), USERS (demo users user-0..user-N-1 logging in, default 100),
// PASSWORD (default demo), BURST (concurrent orders), RATE (orders/s), DURATION, SCENARIOS (burst,sustained),
// SKU (default ITEM-1; a comma-separated list rotates), P95_MS (sustained p95 bound, default 250),
// BURST_P95_MS (default 30000), RUN_ID (order id prefix; default time-based, so reruns never replay).
// Prices are the server's: setup() reads the catalogue (GET /products) and each order sends the total it
// costs there, so a refused price (409 PRICE_MISMATCH) is a failure like any other.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { catalogueCents, loginUsers, requireHealthy, runIdOf } from './lib/session.js';

const env = (name, fallback) => (__ENV[name] !== undefined && __ENV[name] !== '' ? __ENV[name] : fallback);

const PROFILE = env('PROFILE', 'full');
const SHORT = PROFILE === 'short';
const BASE_URL = env('BASE_URL', 'http://localhost:8080').replace(/\/+$/, '');
const USERS = Number(env('USERS', SHORT ? '20' : '100'));
const PASSWORD = env('PASSWORD', 'demo');
const BURST = Number(env('BURST', SHORT ? '100' : '1000'));
const RATE = Number(env('RATE', SHORT ? '10' : '300'));
const DURATION = env('DURATION', SHORT ? '10s' : '60s');
const SKUS = env('SKU', 'ITEM-1').split(',');
const P95_MS = Number(env('P95_MS', '250'));
const BURST_P95_MS = Number(env('BURST_P95_MS', '30000'));
const SCENARIOS = env('SCENARIOS', 'burst,sustained').split(',');
// The sustained phase starts after the burst's window (k6 scenarios start on a schedule, not on completion).
const BURST_WINDOW = env('BURST_WINDOW', SHORT ? '20s' : '60s');

// Counted per order outcome, so a summary (k6 --summary-export) tells completed from failed orders.
const ordersCompleted = new Counter('orders_completed');
const ordersFailed = new Counter('orders_failed');

const scenarios = {};
const thresholds = {
  // Any failed order (non-2xx: declined 402, out of stock 409, 5xx, timeouts) counts.
  http_req_failed: ['rate<0.01'],
  checks: ['rate>0.99'],
};
if (SCENARIOS.includes('burst')) {
  scenarios.burst = {
    executor: 'per-vu-iterations',
    vus: BURST,
    iterations: 1,
    maxDuration: BURST_WINDOW,
    gracefulStop: '30s',
    tags: { phase: 'burst' },
  };
  thresholds['http_req_duration{scenario:burst}'] = [`p(95)<${BURST_P95_MS}`];
  thresholds['checks{scenario:burst}'] = ['rate==1'];
}
if (SCENARIOS.includes('sustained')) {
  scenarios.sustained = {
    executor: 'constant-arrival-rate',
    rate: RATE,
    timeUnit: '1s',
    duration: DURATION,
    preAllocatedVUs: Math.min(1000, Math.max(50, RATE)),
    maxVUs: Math.min(2000, Math.max(200, RATE * 4)),
    startTime: SCENARIOS.includes('burst') ? BURST_WINDOW : '0s',
    gracefulStop: '30s',
    tags: { phase: 'sustained' },
  };
  thresholds['http_req_duration{scenario:sustained}'] = [`p(95)<${P95_MS}`];
  // Arrivals k6 could not start (too few VUs, i.e. the system fell behind) also fail the run.
  thresholds['dropped_iterations'] = ['count<' + Math.max(1, Math.ceil(RATE * 0.01))];
}

export const options = {
  scenarios,
  thresholds,
  setupTimeout: '120s',
  discardResponseBodies: false,
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/** Reads the catalogue's prices and logs in USERS demo users (user-0..), one token per user. */
export function setup() {
  requireHealthy(BASE_URL);
  const cents = catalogueCents(BASE_URL, SKUS);
  const tokens = loginUsers(BASE_URL, USERS, PASSWORD);
  return { tokens, runId: runIdOf(__ENV.RUN_ID, 'k6'), cents };
}

export default function (data) {
  const n = exec.scenario.iterationInTest;
  // Rotate through the users (and their tokens), so each stays far below the per-client rate limit.
  const { user, token } = data.tokens[n % data.tokens.length];
  const items = [{ sku: SKUS[n % SKUS.length], quantity: 1 }];
  // Summed in cents, as the server does, so the total is exact.
  const cents = items.reduce((sum, item) => sum + data.cents[item.sku] * item.quantity, 0);
  const order = {
    order_id: `${data.runId}-${exec.scenario.name}-${n}`,
    user_id: user,
    items,
    total: cents / 100,
  };
  const response = http.post(`${BASE_URL}/orders`, JSON.stringify(order), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    tags: { name: 'POST /orders' },
    timeout: '120s',
  });
  const completed = check(response, {
    'order completed (200)': (r) => r.status === 200,
    'body says completed': (r) => r.status === 200 && r.json('status') === 'completed',
  });
  (completed ? ordersCompleted : ordersFailed).add(1);
}
