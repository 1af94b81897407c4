import { describe, expect, it } from 'vitest';
import type { AgentInfo } from '../registry-client.js';
import { formatAgentList } from './list.js';

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

describe('list formatting', () => {
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
});
