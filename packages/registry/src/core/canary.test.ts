import { describe, expect, it } from 'vitest';
import { toAgentRecord } from './agent-record.js';
import { CapabilityIndex } from './capability-index.js';
import type { CanaryRecord } from './canary.js';
import { resolveDependency } from './resolver.js';
import type { AgentRecord, DependencySpec, ResolvedProvider } from './types.js';

function replica(agentId: string, version: string, port: number): AgentRecord {
  return toAgentRecord(
    {
      agent_id: agentId,
      agent_type: 'mcp_agent',
      name: 'order-agent',
      version,
      description: '',
      namespace: 'default',
      http_host: '127.0.0.1',
      http_port: port,
      tools: [
        {
          function_name: 'process_order',
          capability: 'order_processing',
          version: '1.0.0',
          tags: [],
          dependencies: [],
        },
      ],
    },
    0,
    undefined,
  );
}

const ORDERS: DependencySpec = {
  capability: 'order_processing',
  tags: [],
  version: '',
  namespace: 'default',
};

function indexOf(...records: AgentRecord[]): CapabilityIndex {
  const index = new CapabilityIndex();
  for (const record of records) index.add(record);
  return index;
}

function canaries(...records: Omit<CanaryRecord, 'updated_at'>[]): Map<string, CanaryRecord> {
  return new Map(records.map((record) => [record.agent_name, { ...record, updated_at: 0 }]));
}

function resolved(index: CapabilityIndex, lookup?: ReadonlyMap<string, CanaryRecord>): ResolvedProvider {
  const entry = resolveDependency(ORDERS, index, lookup);
  if (entry.status !== 'available') throw new Error('expected a resolution');
  return entry;
}

// The stable replicas sort after the canary by id, so without a canary record the new version would win.
const stable = [replica('order-b1', '1.0.0', 1), replica('order-b2', '1.0.0', 2)];
const candidate = replica('order-a9', '2.0.0', 3);

describe('canary resolution', () => {
  it('without a canary record, one version takes every call (the reason canaries need the registry)', () => {
    const entry = resolved(indexOf(...stable, candidate));
    const versions = new Set(entry.providers.map((provider) => provider.version));
    expect(versions.size).toBe(1);
  });

  it('keeps the stable version as the winner and adds the canary replicas with their weight', () => {
    const entry = resolved(
      indexOf(...stable, candidate),
      canaries({ agent_name: 'order-agent', version: '2.0.0', weight: 10 }),
    );
    expect(entry.agent_id).toBe('order-b1');
    expect(entry.providers.map((p) => [p.agent_id, p.version, p.weight])).toEqual([
      ['order-b1', '1.0.0', 90],
      ['order-b2', '1.0.0', 90],
      ['order-a9', '2.0.0', 10],
    ]);
  });

  it('lists no canary replica at weight 0 (rolled back)', () => {
    const entry = resolved(
      indexOf(...stable, candidate),
      canaries({ agent_name: 'order-agent', version: '2.0.0', weight: 0 }),
    );
    expect(entry.providers.map((p) => p.agent_id)).toEqual(['order-b1', 'order-b2']);
    expect(entry.providers[0]).not.toHaveProperty('weight');
  });

  it('makes the canary version the winner at weight 100 (promoted)', () => {
    const entry = resolved(
      indexOf(...stable, candidate),
      canaries({ agent_name: 'order-agent', version: '2.0.0', weight: 100 }),
    );
    expect(entry.agent_id).toBe('order-a9');
    expect(entry.providers.map((p) => p.agent_id)).toEqual(['order-a9']);
  });

  it('falls back to whatever version is registered when only one of the two is', () => {
    const onlyCanary = resolved(
      indexOf(candidate),
      canaries({ agent_name: 'order-agent', version: '2.0.0', weight: 10 }),
    );
    expect(onlyCanary.agent_id).toBe('order-a9');
    expect(onlyCanary.providers[0]).not.toHaveProperty('weight');
    const onlyStable = resolved(
      indexOf(...stable),
      canaries({ agent_name: 'order-agent', version: '2.0.0', weight: 10 }),
    );
    expect(onlyStable.providers.map((p) => p.agent_id)).toEqual(['order-b1', 'order-b2']);
  });

  it('ignores a canary record of another agent', () => {
    const entry = resolved(
      indexOf(...stable, candidate),
      canaries({ agent_name: 'payment-agent', version: '2.0.0', weight: 50 }),
    );
    expect(new Set(entry.providers.map((p) => p.version)).size).toBe(1);
  });
});
