import { describe, expect, it } from 'vitest';
import { matchName } from './name-match.js';

const NAMES = [
  'auth-agent',
  'analytics-agent',
  'api-gateway',
  'order-agent',
  'user-agent',
  'postgres',
  'registry',
];

describe('matchName', () => {
  it('takes an exact name, then <name>-agent, then a unique prefix or part', () => {
    expect(matchName('order-agent', NAMES)).toBe('order-agent');
    expect(matchName('order', NAMES)).toBe('order-agent');
    expect(matchName('api', NAMES)).toBe('api-gateway');
    expect(matchName('gateway', NAMES)).toBe('api-gateway');
    expect(matchName('post', NAMES)).toBe('postgres');
  });

  it('lists the candidates when the name is ambiguous', () => {
    expect(() => matchName('a', NAMES)).toThrow(
      'a is ambiguous: analytics-agent, api-gateway, auth-agent (give more of the name)',
    );
  });

  it('names what exists when nothing matches', () => {
    expect(() => matchName('shipping', NAMES)).toThrow(
      /no agent or service named shipping; known: .*order-agent/,
    );
  });
});
