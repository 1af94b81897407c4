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

  it('hides the pseudo tools of consumer-only dependencies and counts each dependency once', () => {
    const resolution = (fn: string, capability: string, status: string) => ({
      function_name: fn,
      capability,
      status,
    });
    const order: AgentInfo = {
      id: 'order-1',
      name: 'order-agent',
      status: 'healthy',
      endpoint: 'http://127.0.0.1:9000',
      capabilities: [
        { name: 'order_processing', function_name: 'process_order' },
        { name: 'order_get', function_name: 'get_order' },
        { name: 'order_agent_consumer_1', function_name: 'order_agent_consumer_1' },
      ],
      // The same capabilities declared by a tool and by the consumer group, and data_query by two tools.
      total_dependencies: 6,
      dependencies_resolved: 5,
      dependency_resolutions: [
        resolution('process_order', 'payment_process', 'available'),
        resolution('process_order', 'user_get', 'available'),
        resolution('get_order', 'user_get', 'available'),
        resolution('order_agent_consumer_1', 'payment_process', 'available'),
        resolution('order_agent_consumer_1', 'user_get', 'available'),
        resolution('order_agent_consumer_1', 'notification_send_email', 'unresolved'),
      ],
    };
    const row = formatAgentList([order]).split('\n')[1]!;
    expect(row).toMatch(/\sprocess_order,get_order\s+2\/3$/);
    expect(row).not.toContain('consumer');
  });

  it('lists canaries after the instances, with the stable version and its share', () => {
    const order = (id: string, version: string): AgentInfo => ({ ...info(id, 'order-agent'), version });
    const text = formatAgentList([order('o-1', '1.0.0'), order('o-2', '2.0.0')], Date.now(), [
      { agent_name: 'order-agent', version: '2.0.0', weight: 10, updated_at: 0 },
    ]);
    expect(text.split('\n').slice(-2)).toEqual(['Canaries:', '  order-agent: 2.0.0 at 10 % (1.0.0 at 90 %)']);
  });
});
