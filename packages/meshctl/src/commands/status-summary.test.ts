import { describe, expect, it } from 'vitest';
import type { ProcessRecord } from '../local/state.js';
import type { AgentInfo } from '../registry-client.js';
import { formatProcessTable, formatStatusSummary, summarizeStatus } from './status-summary.js';

type Resolution = NonNullable<AgentInfo['dependency_resolutions']>[number];

const info = (
  id: string,
  name: string,
  options: { status?: string; resolutions?: Resolution[]; capabilities?: AgentInfo['capabilities'] } = {},
): AgentInfo => ({
  id,
  name,
  status: options.status ?? 'healthy',
  endpoint: `http://127.0.0.1:${id.length}`,
  capabilities: options.capabilities ?? [{ name: name, function_name: name }],
  total_dependencies: options.resolutions?.length ?? 0,
  dependencies_resolved: (options.resolutions ?? []).filter((r) => r.status === 'available').length,
  dependency_resolutions: options.resolutions ?? [],
});

const dep = (capability: string, status: string, required?: boolean): Resolution => ({
  function_name: 'f',
  capability,
  status,
  ...(required === undefined ? {} : { required }),
});

const proc = (name: string, replica: number, pid: number): ProcessRecord => ({
  name,
  kind: 'agent',
  replica,
  pid,
  log: `/tmp/${name}-${replica}.log`,
  args: [],
  env: {},
  startedAt: '2026-01-01T00:00:00Z',
});

const DEAD_PID = 2 ** 22 + 12_345;

describe('meshctl status summary', () => {
  it('degrades only on required dependencies, and names each missing one', () => {
    const summary = summarizeStatus(
      [
        info('o1', 'order-agent', {
          resolutions: [
            dep('payment_process', 'unresolved', true),
            dep('notification_send_emails', 'unresolved'),
            dep('user_get', 'available', true),
            dep('inventory_reserve_items', 'unresolved', true),
          ],
        }),
        info('n1', 'shop-agent', { resolutions: [dep('ads', 'unresolved', false)] }),
      ],
      new Map([
        ['order-agent', 1],
        ['shop-agent', 1],
      ]),
    );
    const order = summary.find((s) => s.name === 'order-agent')!;
    expect(order.ok).toBe(false);
    expect(order.missing).toEqual(['inventory_reserve_items', 'payment_process']);
    expect(summary.find((s) => s.name === 'shop-agent')).toMatchObject({
      ok: true,
      state: 'ok',
      missing: [],
    });
    const text = formatStatusSummary(summary);
    expect(text).toMatch(
      /order-agent\s+0\/1\s+DEGRADED\s+missing required: inventory_reserve_items, payment_process/,
    );
    expect(text).not.toContain('notification_send_emails');
    expect(text).toMatch(/shop-agent\s+1\/1\s+ok$/m);
  });

  it("names a missing dependency from the official registry's unavailable_reason", () => {
    const [greeter] = summarizeStatus(
      [
        info('g1', 'greeter', {
          resolutions: [dep('date_service', 'unresolved'), dep('weather', 'unresolved')],
          capabilities: [
            {
              name: 'greeting',
              function_name: 'greet',
              available: false,
              unavailable_reason: "required dep 'date_service' unresolved",
            },
          ],
        }),
      ],
      new Map(),
    );
    expect(greeter).toMatchObject({ ok: false, missing: ['date_service'], ready: 0, live: 1 });
  });

  it('ignores stale (unhealthy) registrations: counted apart, never as replicas', () => {
    const [user] = summarizeStatus(
      [
        info('u1', 'user-agent'),
        info('u2', 'user-agent'),
        info('u3', 'user-agent'),
        info('old-1', 'user-agent', { status: 'unhealthy' }),
        info('old-2', 'user-agent', { status: 'unhealthy' }),
      ],
      new Map([['user-agent', 3]]),
    );
    expect(user).toMatchObject({ live: 3, ready: 3, stale: 2, ok: true, state: 'ok' });
    expect(formatStatusSummary([user!])).toContain('2 stale registrations ignored');
  });

  it('shows a recorded local process that is gone as DOWN, and the agent as degraded', () => {
    const processes = [
      proc('user-agent', 1, process.pid),
      { ...proc('user-agent', 2, DEAD_PID), url: 'http://b' },
    ];
    // The registry has not noticed yet: it still reports the dead replica healthy, at the process's address.
    const [user] = summarizeStatus(
      [info('u1', 'user-agent'), { ...info('u2', 'user-agent'), endpoint: 'http://b' }],
      new Map([['user-agent', 2]]),
      processes,
    );
    expect(user).toMatchObject({
      ok: false,
      state: 'DEGRADED',
      live: 1,
      ready: 1,
      down: [{ replica: 2, pid: DEAD_PID }],
    });
    expect(formatStatusSummary([user!])).toMatch(new RegExp(`process #2 \\(pid ${DEAD_PID}\\) not running`));
    const table = formatProcessTable(processes, '/tmp');
    expect(table).toMatch(new RegExp(`agent\\s+user-agent\\s+2\\s+${DEAD_PID}\\s+DOWN`));
    expect(table).toMatch(new RegExp(`agent\\s+user-agent\\s+1\\s+${process.pid}\\s+running`));
  });

  it('says DOWN for an expected agent with no live registration', () => {
    const [gone] = summarizeStatus(
      [info('x', 'order-agent', { status: 'unhealthy' })],
      new Map([['order-agent', 1]]),
    );
    expect(gone).toMatchObject({ state: 'DOWN', ok: false, live: 0, stale: 1 });
  });
});
