import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { parseRegistration } from './validate-registration.js';

function fieldOf(body: unknown): string | undefined {
  try {
    parseRegistration(body);
    return undefined;
  } catch (error: unknown) {
    if (isMeshError(error, 'VALIDATION_FAILED')) return error.data?.['field'] as string;
    throw error;
  }
}

const tool = { function_name: 'f', capability: 'c' };

describe('parseRegistration', () => {
  it('fills the spec defaults for a minimal body', () => {
    const { registration } = parseRegistration({ agent_id: 'a-1', tools: [tool] });
    expect(registration).toMatchObject({
      agent_id: 'a-1',
      name: 'a-1',
      agent_type: 'mcp_agent',
      version: '1.0.0',
      namespace: 'default',
      http_port: 0,
    });
    expect(registration.tools[0]).toMatchObject({ version: '1.0.0', tags: [], dependencies: [] });
  });

  it.each([
    ['a non-object body', [1, 2], '(body)'],
    ['a missing agent_id', { tools: [tool] }, 'agent_id'],
    ['a numeric agent_id', { agent_id: 7, tools: [tool] }, 'agent_id'],
    ['an agent_id with a slash', { agent_id: 'a/b', tools: [tool] }, 'agent_id'],
    ['an agent_id over 64 characters', { agent_id: 'a'.repeat(65), tools: [tool] }, 'agent_id'],
    ['missing tools', { agent_id: 'a' }, 'tools'],
    ['tools that are not an array', { agent_id: 'a', tools: {} }, 'tools'],
    ['a tool without capability', { agent_id: 'a', tools: [{ function_name: 'f' }] }, 'tools[0].capability'],
    [
      'an empty function_name',
      { agent_id: 'a', tools: [{ function_name: '', capability: 'c' }] },
      'tools[0].function_name',
    ],
    ['numeric tags', { agent_id: 'a', tools: [{ ...tool, tags: [1] }] }, 'tools[0].tags[0]'],
    [
      'a dependency without capability',
      { agent_id: 'a', tools: [tool, { ...tool, dependencies: [{ tags: [] }] }] },
      'tools[1].dependencies[0].capability',
    ],
    [
      'a nested tag group with a number',
      { agent_id: 'a', tools: [{ ...tool, dependencies: [{ capability: 'x', tags: [['a', 2]] }] }] },
      'tools[0].dependencies[0].tags[0][1]',
    ],
    [
      // The official registry answers 400 too: its request schema allows only spec objects here.
      'an array of dependency specs',
      { agent_id: 'a', tools: [{ ...tool, dependencies: [[{ capability: 'x' }, { capability: 'y' }]] }] },
      'tools[0].dependencies[0]',
    ],
    ['a port out of range', { agent_id: 'a', http_port: 70000, tools: [tool] }, 'http_port'],
    ['a string port', { agent_id: 'a', http_port: '80', tools: [tool] }, 'http_port'],
    ['an unknown agent_type', { agent_id: 'a', agent_type: 'robot', tools: [tool] }, 'agent_type'],
    [
      'kwargs that are not an object',
      { agent_id: 'a', tools: [{ ...tool, kwargs: 'x' }] },
      'tools[0].kwargs',
    ],
  ])('rejects %s naming the field', (_label, body, field) => {
    expect(fieldOf(body)).toBe(field);
  });

  it('accepts OR groups and prefixed tags in dependencies', () => {
    const { registration } = parseRegistration({
      agent_id: 'a',
      tools: [{ ...tool, dependencies: [{ capability: 'x', tags: ['db', '+fast', '-old', ['py', 'ts']] }] }],
    });
    expect(registration.tools[0]!.dependencies[0]!.tags).toEqual(['db', '+fast', '-old', ['py', 'ts']]);
  });

  it('truncates an over-long description with a warning instead of failing', () => {
    const { registration, warnings } = parseRegistration({
      agent_id: 'a',
      description: 'x'.repeat(300),
      tools: [tool],
    });
    expect(registration.description).toHaveLength(256);
    expect(warnings).toEqual(['description truncated from 300 to 256 chars']);
  });
});
