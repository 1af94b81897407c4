// k6 load test of the shop's checkout through the gateway at a constant arrival rate: each iteration sets a
// signed-in user's cart (POST /cart) and checks it out (POST /cart/checkout), one order per iteration.
// Thresholds fail the run (exit code 99) when checkouts fail or get slow.
//
//   k6 run loadtest/checkout.js                             # 20 checkouts/s for 60 s
//   RATE=10 DURATION=30s ITEMS=ITEM-1,ITEM-2,ITEM-3 k6 run loadtest/checkout.js
//
// Env: BASE_URL (default http://localhost:8080), USERS (demo users user-0..user-N-1 logging in, default 100,
// at most 100: the demo has no more), PASSWORD (default demo), RATE (checkouts/s), DURATION, ITEMS (the SKUs
// every cart holds, one of each; default ITEM-1,ITEM-2), P95_MS (checkout p95 bound, default 500),
// CART_P95_MS (cart p95 bound, default 250), RUN_ID (checkout key prefix; default time-based).
// A user's cart is one cart: two iterations must never fill and check out the same one at once. Each VU is
// one user (k6 runs one iteration per VU at a time), so VUs are capped at USERS; when the system falls so far
// behind that USERS checkouts are in flight, k6 drops arrivals, and the dropped-iterations threshold fails.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { catalogueCents, loginUsers, requireHealthy, runIdOf } from './lib/session.js';

const env = (name, fallback) => (__ENV[name] !== undefined && __ENV[name] !== '' ? __ENV[name] : fallback);

const BASE_URL = env('BASE_URL', 'http://localhost:8080').replace(/\/+$/, '');
const USERS = Math.min(100, Number(env('USERS', '100')));
const PASSWORD = env('PASSWORD', 'demo');
const RATE = Number(env('RATE', '20'));
const DURATION = env('DURATION', '60s');
const ITEMS = env('ITEMS', 'ITEM-1,ITEM-2').split(',');
const P95_MS = Number(env('P95_MS', '500'));
const CART_P95_MS = Number(env('CART_P95_MS', '250'));

// Counted per checkout outcome (the same names as orders.js, so one summary reader serves both).
const ordersCompleted = new Counter('orders_completed');
const ordersFailed = new Counter('orders_failed');

export const options = {
  scenarios: {
    sustained: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.min(USERS, Math.max(10, RATE)),
      maxVUs: USERS,
      gracefulStop: '30s',
      tags: { phase: 'sustained' },
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    // Per request kind: a summary export carries these only because a threshold names them.
    'http_req_duration{scenario:sustained}': [`p(95)<${P95_MS}`],
    'http_req_duration{name:POST /cart/checkout}': [`p(95)<${P95_MS}`],
    'http_req_duration{name:POST /cart}': [`p(95)<${CART_P95_MS}`],
    dropped_iterations: ['count<' + Math.max(1, Math.ceil(RATE * 0.01))],
  },
  setupTimeout: '120s',
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

/** The catalogue's prices (to check the cart's total) and one token per demo user. */
export function setup() {
  requireHealthy(BASE_URL);
  const cents = catalogueCents(BASE_URL, ITEMS);
  const tokens = loginUsers(BASE_URL, USERS, PASSWORD);
  const totalCents = ITEMS.reduce((sum, sku) => sum + cents[sku], 0);
  return { tokens, totalCents, runId: runIdOf(__ENV.RUN_ID, 'k6-checkout') };
}

export default function (data) {
  const n = exec.scenario.iterationInTest;
  // One user per VU (see the top): VU ids start at 1 and never exceed maxVUs = USERS.
  const { token } = data.tokens[(exec.vu.idInTest - 1) % data.tokens.length];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  // "set", not "add": a cart left by an earlier failed checkout holds the same lines, not twice as many.
  const cart = http.post(
    `${BASE_URL}/cart`,
    JSON.stringify({ items: ITEMS.map((sku) => ({ sku, quantity: 1 })), mode: 'set' }),
    { headers, tags: { name: 'POST /cart' }, timeout: '30s' },
  );
  const filled = check(cart, {
    'cart filled (200)': (r) => r.status === 200,
    'cart at catalogue prices': (r) => r.status === 200 && r.json('total_cents') === data.totalCents,
  });
  if (!filled) {
    ordersFailed.add(1);
    return;
  }
  const checkout = http.post(
    `${BASE_URL}/cart/checkout`,
    JSON.stringify({ checkout_key: `${data.runId}-${n}` }),
    { headers, tags: { name: 'POST /cart/checkout' }, timeout: '120s' },
  );
  const completed = check(checkout, {
    'checkout completed (200)': (r) => r.status === 200,
    'body says completed': (r) => r.status === 200 && r.json('status') === 'completed',
  });
  (completed ? ordersCompleted : ordersFailed).add(1);
}
