import { describe, expect, it } from 'vitest';
import type { AgentInfo } from '../registry-client.js';
import { compareGraphs, liveEdges, toDot, toMermaid } from './render.js';

const agent = (
  id: string,
  name: string,
  resolutions: AgentInfo['dependency_resolutions'] = [],
): AgentInfo => ({
  id,
  name,
  status: 'healthy',
  endpoint: `http://127.0.0.1/${id}`,
  capabilities: [],
  total_dependencies: resolutions.length,
  dependencies_resolved: resolutions.filter((r) => r.status === 'available').length,
  dependency_resolutions: resolutions,
});

const declared = [
  { name: 'order-agent', tier: 'business', depends_on: ['user-agent', 'payment-agent'] },
  { name: 'user-agent', tier: 'business', depends_on: [] },
  { name: 'payment-agent', tier: 'business', depends_on: [] },
];
const live = liveEdges([
  agent('order-1', 'order-agent', [
    { capability: 'user_get', provider_agent_id: 'user-1', status: 'available' },
    { capability: 'payment_process', status: 'unresolved' },
    { capability: 'audit', provider_agent_id: 'audit-1', status: 'available' },
  ]),
  agent('user-1', 'user-agent'),
  agent('audit-1', 'audit-agent'),
]);

describe('dependency graph rendering', () => {
  it('marks declared edges the registry lacks as missing and live-only edges as undeclared (Mermaid)', () => {
    const text = toMermaid(compareGraphs(declared, live));
    expect(text).toContain('subgraph declared["declared (architecture.yml)"]');
    expect(text).toContain('d_order_agent --> d_payment_agent');
    expect(text).toContain('l_order_agent --> l_user_agent');
    expect(text).toContain('l_order_agent -. missing .-> l_payment_agent');
    expect(text).toContain('l_order_agent == undeclared ==> l_audit_agent');
    expect(text).toContain('l_payment_agent["payment-agent<br/><small>not running</small>"]');
    expect(text).toContain('unresolved: payment_process');
  });

  it('renders the same comparison as DOT clusters', () => {
    const text = toDot(compareGraphs(declared, live));
    expect(text).toContain('subgraph cluster_live {');
    expect(text).toContain(
      '"l:order-agent" -> "l:payment-agent" [style=dashed, color=red, label="missing"];',
    );
    expect(text).toContain(
      '"l:order-agent" -> "l:audit-agent" [style=bold, color=orange, label="undeclared"];',
    );
  });

  it('says so when the registry cannot be reached, every declared edge then missing', () => {
    const text = toMermaid(compareGraphs(declared, undefined));
    expect(text).toContain('live (registry not reachable)');
    expect(text).toContain('l_order_agent -. missing .-> l_user_agent');
  });
});
