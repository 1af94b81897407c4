import { describe, expect, it } from 'vitest';
import { toAgentRecord } from './agent-record.js';
import { CapabilityIndex } from './capability-index.js';
import { resolveAgent, resolveDependency } from './resolver.js';
import type { AgentRecord, DependencySpec, TagSpec, ToolRecord } from './types.js';

function provider(
  agentId: string,
  tool: Partial<ToolRecord> & { capability: string },
  agent: { name?: string; version?: string; port?: number } = {},
): AgentRecord {
  return toAgentRecord(
    {
      agent_id: agentId,
      agent_type: 'mcp_agent',
      name: agent.name ?? agentId,
      version: agent.version ?? '1.0.0',
      description: '',
      namespace: 'default',
      http_host: '127.0.0.1',
      http_port: agent.port ?? 9000,
      tools: [
        { function_name: `${tool.capability}_fn`, version: '1.0.0', tags: [], dependencies: [], ...tool },
      ],
    },
    0,
    undefined,
  );
}

function indexOf(...records: AgentRecord[]): CapabilityIndex {
  const index = new CapabilityIndex();
  for (const record of records) index.add(record);
  return index;
}

function dep(capability: string, tags: TagSpec[] = [], version = ''): DependencySpec {
  return { capability, tags, version, namespace: 'default' };
}

function winner(index: CapabilityIndex, spec: DependencySpec): string | undefined {
  const entry = resolveDependency(spec, index);
  return entry.status === 'available' ? entry.agent_id : undefined;
}

describe('resolveDependency', () => {
  it('matches capability names exactly, never by prefix or case', () => {
    const index = indexOf(
      provider('a', { capability: 'date_service_v2' }),
      provider('b', { capability: 'Date_Service' }),
    );
    expect(resolveDependency(dep('date_service'), index)).toEqual({
      agent_id: '',
      function_name: '',
      endpoint: '',
      capability: 'date_service',
      status: 'unresolved',
    });
  });

  it('requires every plain tag', () => {
    const index = indexOf(
      provider('a', { capability: 'db', tags: ['sql'] }),
      provider('b', { capability: 'db', tags: ['sql', 'persistence'] }),
    );
    expect(winner(index, dep('db', ['sql', 'persistence']))).toBe('b');
    expect(winner(index, dep('db', ['nosql']))).toBeUndefined();
  });

  it('prefers a +tag provider without requiring it', () => {
    const index = indexOf(
      provider('a', { capability: 'llm', tags: ['gpt'] }),
      provider('b', { capability: 'llm', tags: ['claude'] }),
    );
    expect(winner(index, dep('llm', ['+claude']))).toBe('b');
    expect(winner(index, dep('llm', ['+gemini']))).toBe('a');
  });

  it('never picks a provider carrying a -tag', () => {
    const index = indexOf(
      provider('a', { capability: 'pay', tags: ['legacy'] }),
      provider('b', { capability: 'pay', tags: ['modern'] }),
    );
    expect(winner(index, dep('pay', ['-legacy']))).toBe('b');
    expect(winner(index, dep('pay', ['-legacy', '-modern']))).toBeUndefined();
  });

  it('treats a nested array as an OR group', () => {
    const index = indexOf(
      provider('a', { capability: 'math', tags: ['addition', 'java'] }),
      provider('b', { capability: 'math', tags: ['addition', 'typescript'] }),
    );
    expect(winner(index, dep('math', ['addition', ['python', 'typescript']]))).toBe('b');
    expect(winner(index, dep('math', ['addition', ['python', 'go']]))).toBeUndefined();
    expect(winner(index, dep('math', [['java', 'typescript']]))).toBe('a');
  });

  it('scores a +alternative in an OR group above a plain one', () => {
    const index = indexOf(
      provider('a', { capability: 'math', tags: ['java'] }),
      provider('b', { capability: 'math', tags: ['typescript'] }),
    );
    expect(winner(index, dep('math', [['java', '+typescript']]))).toBe('b');
  });

  it('applies semver constraints to the tool version', () => {
    const index = indexOf(
      provider('old', { capability: 'auth', version: '1.9.0' }),
      provider('new', { capability: 'auth', version: '2.3.1' }),
    );
    expect(winner(index, dep('auth', [], '>=2.0.0'))).toBe('new');
    expect(winner(index, dep('auth', [], '<2.0.0'))).toBe('old');
    expect(winner(index, dep('auth', [], '^1.0.0'))).toBe('old');
    expect(winner(index, dep('auth', [], '~2.3.0'))).toBe('new');
    expect(winner(index, dep('auth', [], '>=1.0.0, <2.0.0'))).toBe('old');
    expect(winner(index, dep('auth', [], '1.9.0'))).toBe('old');
    expect(winner(index, dep('auth', [], '>=3.0.0'))).toBeUndefined();
    expect(winner(index, dep('auth', [], 'not a range'))).toBeUndefined();
  });

  it('breaks ties by tag score, then highest version, then agent_id', () => {
    const tagged = provider('z-tagged', { capability: 'cache', version: '1.0.0', tags: ['fast'] });
    const newer = provider('y-newer', { capability: 'cache', version: '1.2.0' });
    const newerTwin = provider('x-newer', { capability: 'cache', version: '1.2.0' }, { name: 'other' });
    const index = indexOf(tagged, newer, newerTwin);
    expect(winner(index, dep('cache', ['+fast']))).toBe('z-tagged');
    expect(winner(index, dep('cache'))).toBe('x-newer');
  });

  it('lists healthy replicas of the winner (same name, version and function) as providers, winner first', () => {
    const index = indexOf(
      provider('inv-b', { capability: 'stock' }, { name: 'inventory', port: 2 }),
      provider('inv-a', { capability: 'stock' }, { name: 'inventory', port: 1 }),
      provider('inv-old', { capability: 'stock' }, { name: 'inventory', version: '0.9.0', port: 3 }),
      provider('other', { capability: 'stock' }, { name: 'warehouse', port: 4 }),
    );
    const entry = resolveDependency(dep('stock'), index);
    expect(entry.status).toBe('available');
    if (entry.status !== 'available') return;
    expect(entry.agent_id).toBe('inv-a');
    expect(entry.providers.map((p) => p.agent_id)).toEqual(['inv-a', 'inv-b']);
    expect(entry.providers[1]).toEqual({
      agent_id: 'inv-b',
      function_name: 'stock_fn',
      endpoint: 'http://127.0.0.1:2',
      status: 'available',
      version: '1.0.0',
    });
  });

  it('lists as providers only the replicas that satisfy the dependency tags and version themselves', () => {
    const index = indexOf(
      provider('inv-a', { capability: 'stock', tags: ['eu'] }, { name: 'inventory', port: 1 }),
      provider('inv-b', { capability: 'stock', tags: ['eu'] }, { name: 'inventory', port: 2 }),
      provider('inv-c', { capability: 'stock', tags: ['us'] }, { name: 'inventory', port: 3 }),
      provider('inv-d', { capability: 'stock', tags: ['eu', 'legacy'] }, { name: 'inventory', port: 4 }),
      provider(
        'inv-e',
        { capability: 'stock', tags: ['eu'], version: '0.9.0' },
        { name: 'inventory', port: 5 },
      ),
    );
    const entry = resolveDependency(dep('stock', ['eu', '-legacy'], '>=1.0.0'), index);
    expect(entry.status).toBe('available');
    if (entry.status !== 'available') return;
    expect(entry.providers.map((p) => p.agent_id)).toEqual(['inv-a', 'inv-b']);
  });

  it('passes each provider tool kwargs, on the entry and on every listed replica', () => {
    const kwargs = { idempotent: true };
    const index = indexOf(
      provider('inv-a', { capability: 'stock', kwargs }, { name: 'inventory', port: 1 }),
      provider('inv-b', { capability: 'stock', kwargs }, { name: 'inventory', port: 2 }),
    );
    const entry = resolveDependency(dep('stock'), index);
    expect(entry.status).toBe('available');
    if (entry.status !== 'available') return;
    expect(entry.kwargs).toEqual(kwargs);
    expect(entry.providers.map((p) => p.kwargs)).toEqual([kwargs, kwargs]);
  });

  it('leaves kwargs out of a resolution when the provider declares none', () => {
    const entry = resolveDependency(dep('stock'), indexOf(provider('inv-a', { capability: 'stock' })));
    expect(entry).not.toHaveProperty('kwargs');
    if (entry.status !== 'available') return;
    expect(entry.providers[0]).not.toHaveProperty('kwargs');
  });

  it('stops offering an agent once it is removed from the index', () => {
    const a = provider('a', { capability: 'x' });
    const index = indexOf(a, provider('b', { capability: 'x' }));
    index.remove(a);
    expect(winner(index, dep('x'))).toBe('b');
  });
});

describe('resolveAgent', () => {
  it('keys only tools with dependencies and keeps one positional entry per dependency', () => {
    const index = indexOf(provider('p', { capability: 'b' }));
    const tools: ToolRecord[] = [
      { function_name: 'none', capability: 'n', version: '1.0.0', tags: [], dependencies: [] },
      {
        function_name: 'two',
        capability: 't',
        version: '1.0.0',
        tags: [],
        dependencies: [dep('a'), dep('b')],
      },
    ];
    const resolved = resolveAgent(tools, index);
    expect(Object.keys(resolved)).toEqual(['two']);
    expect(resolved['two']![0]).toEqual({
      agent_id: '',
      function_name: '',
      endpoint: '',
      capability: 'a',
      status: 'unresolved',
    });
    expect(resolved['two']![1]).toMatchObject({ agent_id: 'p', capability: 'b', status: 'available' });
  });
});
