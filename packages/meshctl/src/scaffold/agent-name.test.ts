import { describe, expect, it } from 'vitest';
import { parseAgentName } from './agent-name.js';
import { refusal as refusalOf } from './test-refusal.js';

const refusal = (typed: string): string => refusalOf(() => parseAgentName(typed));

describe('parseAgentName', () => {
  it('derives every name from the short one or the full one alike', () => {
    const expected = {
      agent: 'fraud-check-agent',
      packageDir: 'agents/fraud-check',
      packageName: '@mesh/agent-fraud-check',
      snake: 'fraud_check',
      pascal: 'FraudCheck',
    };
    expect(parseAgentName('fraud-check')).toEqual(expected);
    expect(parseAgentName('fraud-check-agent')).toEqual(expected);
  });

  it.each(['Shipping', 'ship_ping', '2fa', 'ship--ping', 'shipping-', '-agent', '', 'x'.repeat(41)])(
    'refuses "%s" with INVALID_AGENT_NAME and what a valid name looks like',
    (typed) => {
      expect(refusal(typed)).toMatch(/^INVALID_AGENT_NAME: ".*" is not a valid agent name: use lower-case/);
    },
  );

  it('refuses the names of the mesh’s own parts', () => {
    expect(refusal('registry')).toBe(
      'INVALID_AGENT_NAME: "registry" is reserved for the mesh\'s own registry',
    );
    expect(refusal('api-gateway')).toMatch(/^INVALID_AGENT_NAME: "api-gateway" is reserved/);
  });
});
