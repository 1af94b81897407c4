// The flows bench-orders can drive: which k6 script, with what environment, and which of its latencies to
// report. Pure, so that the mapping from a flow and a rate to k6's command line is tested without k6.
import { join } from 'node:path';

/** Demo users there are to log in (user-0..user-99). */
const DEMO_USERS = 100;

/**
 * Each flow: its k6 script (relative to the repository root), the users it logs in at a rate, the variables
 * beyond RATE/DURATION/BASE_URL/USERS, and the request latencies to print (k6 summary metric names; the
 * script declares a threshold on each, or its summary export would not carry it).
 */
export const FLOWS = Object.freeze({
  orders: Object.freeze({
    script: 'loadtest/orders.js',
    description: 'POST /orders',
    // Tokens rotate per iteration: enough users that each stays far below the per-client rate limit.
    users: (rate) => Math.min(DEMO_USERS, Math.max(10, rate)),
    env: Object.freeze({ SCENARIOS: 'sustained' }),
    latencies: Object.freeze([{ label: 'POST /orders', metric: 'http_req_duration{scenario:sustained}' }]),
  }),
  checkout: Object.freeze({
    script: 'loadtest/checkout.js',
    description: 'POST /cart, then POST /cart/checkout',
    // One user per VU (a cart is one user's): enough for 4 s of checkouts in flight before k6 drops arrivals.
    users: (rate) => Math.min(DEMO_USERS, Math.max(20, rate * 4)),
    env: Object.freeze({}),
    latencies: Object.freeze([
      { label: 'POST /cart/checkout', metric: 'http_req_duration{name:POST /cart/checkout}' },
      { label: 'POST /cart', metric: 'http_req_duration{name:POST /cart}' },
    ]),
  }),
});

/** The flow called `name`; throws naming the known ones. */
export function flowOf(name) {
  const flow = Object.hasOwn(FLOWS, name) ? FLOWS[name] : undefined;
  if (flow === undefined) throw new Error(`unknown flow "${name}" (known: ${Object.keys(FLOWS).join(', ')})`);
  return flow;
}

/**
 * k6's arguments for one sustained phase of `flow`, its summary exported to `summaryFile`; with `tokensFile`
 * (the users the bench logged in itself, before its CPU window) the script's setup logs nobody in.
 */
export function k6Args(flow, { root, rate, duration, baseUrl, summaryFile, tokensFile }) {
  const env = { ...flow.env, RATE: rate, DURATION: duration, BASE_URL: baseUrl, USERS: flow.users(rate) };
  if (tokensFile !== undefined) env.TOKENS_FILE = tokensFile;
  return [
    'run',
    '--quiet',
    '--summary-export',
    summaryFile,
    ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
    join(root, flow.script),
  ];
}

/** p50, p95 and max (ms) of each of the flow's latencies in a k6 summary export; undefined where absent. */
export function latenciesOf(flow, summary) {
  return flow.latencies.map(({ label, metric }) => {
    const trend = summary.metrics?.[metric] ?? {};
    return { label, p50: trend['med'], p95: trend['p(95)'], max: trend['max'] };
  });
}
