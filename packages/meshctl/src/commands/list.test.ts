import { describe, expect, it } from 'vitest';
import type { AgentInfo } from '../registry-client.js';
import { formatAgentList, formatSummary, summarizeAgents } from './list.js';

const info = (id: string, name: string, status = 'healthy', resolved = 1): AgentInfo => ({
  id,
  name,
  status,
  endpoint: `http://127.0.0.1:${id.length}`,
  capabilities: [{ name: 'user_get', function_name: 'user_get' }],
  total_dependencies: 1,
  dependencies_resolved: resolved,
  last_seen: '2026-01-01T00:00:00Z',
});

describe('list and status formatting', () => {
  it('prints one row per replica, sorted, with a count line', () => {
    const text = formatAgentList(
      [info('user-b', 'user-agent'), info('user-a', 'user-agent', 'unhealthy')],
      Date.parse('2026-01-01T00:00:03Z'),
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+STATUS/);
    expect(lines[1]).toMatch(/^user-agent\s+user-a\s+unhealthy\s+\S+\s+user_get\s+1\/1\s+3s ago$/);
    expect(lines.at(-1)).toBe('2 instances, 1 healthy');
  });

  it('counts healthy replicas against the expected ones and flags what is short', () => {
    const summary = summarizeAgents(
      [
        info('u1', 'user-agent'),
        info('u2', 'user-agent'),
        info('u3', 'user-agent', 'healthy', 0),
        info('a1', 'auth-agent'),
      ],
      new Map([
        ['user-agent', 3],
        ['auth-agent', 1],
        ['order-agent', 1],
      ]),
    );
    expect(summary.map((s) => [s.name, s.healthy, s.ok])).toEqual([
      ['auth-agent', 1, true],
      ['order-agent', 0, false],
      ['user-agent', 2, false],
    ]);
    expect(formatSummary(summary)).toMatch(/order-agent\s+0\/0\s+1\s+DOWN/);
    expect(formatSummary(summary)).toMatch(/user-agent\s+2\/3\s+3\s+DEGRADED/);
  });
});
