import { describe, expect, it } from 'vitest';
import { FLOWS, flowOf, k6Args, latenciesOf } from './bench-flows.mjs';

const phase = {
  root: '/repo',
  rate: 12,
  duration: '30s',
  baseUrl: 'http://127.0.0.1:8080',
  summaryFile: '/t/s.json',
};

describe('bench flows', () => {
  it('runs the order flow as before: the sustained scenario of orders.js, as many users as the rate', () => {
    expect(k6Args(flowOf('orders'), phase)).toEqual([
      'run',
      '--quiet',
      '--summary-export',
      '/t/s.json',
      '-e',
      'SCENARIOS=sustained',
      '-e',
      'RATE=12',
      '-e',
      'DURATION=30s',
      '-e',
      'BASE_URL=http://127.0.0.1:8080',
      '-e',
      'USERS=12',
      '/repo/loadtest/orders.js',
    ]);
  });

  it('hands k6 the tokens the bench logged in before the CPU window, when there is a file of them', () => {
    const args = k6Args(flowOf('orders'), { ...phase, tokensFile: '/t/tokens.json' });
    expect(args.slice(-3)).toEqual(['-e', 'TOKENS_FILE=/t/tokens.json', '/repo/loadtest/orders.js']);
    expect(k6Args(flowOf('orders'), phase).join(' ')).not.toContain('TOKENS_FILE');
  });

  it('runs checkout.js with enough users for the checkouts in flight', () => {
    const args = k6Args(flowOf('checkout'), phase);
    expect(args.at(-1)).toBe('/repo/loadtest/checkout.js');
    expect(args).toContain('USERS=48');
    expect(args).not.toContain('SCENARIOS=sustained');
  });

  it('logs in no fewer than a floor of users and no more than the demo has', () => {
    expect([1, 10, 200].map((rate) => FLOWS.orders.users(rate))).toEqual([10, 10, 100]);
    expect([1, 10, 30].map((rate) => FLOWS.checkout.users(rate))).toEqual([20, 40, 100]);
  });

  it('refuses an unknown flow, naming the known ones', () => {
    expect(() => flowOf('refunds')).toThrow('unknown flow "refunds" (known: orders, checkout)');
    expect(() => flowOf('toString')).toThrow('unknown flow');
  });

  it('reads each latency of the flow from a summary export, undefined where k6 wrote none', () => {
    const summary = {
      metrics: {
        'http_req_duration{name:POST /cart/checkout}': { med: 41.5, 'p(95)': 90.25, max: 300 },
      },
    };
    expect(latenciesOf(flowOf('checkout'), summary)).toEqual([
      { label: 'POST /cart/checkout', p50: 41.5, p95: 90.25, max: 300 },
      { label: 'POST /cart', p50: undefined, p95: undefined, max: undefined },
    ]);
    expect(latenciesOf(flowOf('orders'), {})).toEqual([
      { label: 'POST /orders', p50: undefined, p95: undefined, max: undefined },
    ]);
  });
});
