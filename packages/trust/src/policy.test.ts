import { describe, expect, it } from 'vitest';
import { MeshPolicy } from './policy.js';
import { policyAgentsOf } from './policy-file.js';
import type { MeshIdentity } from './identity.js';

const agent = (name: string, trustDomain = 'mesh.local'): MeshIdentity => ({
  trustDomain,
  kind: 'agent',
  name,
});
const operator: MeshIdentity = { trustDomain: 'mesh.local', kind: 'operator', name: 'meshctl' };

const policy = new MeshPolicy(
  'mesh.local',
  policyAgentsOf({
    agents: {
      core: [
        {
          name: 'auth-agent',
          provides: ['auth_login', 'auth_register_credentials'],
          restricted: { auth_register_credentials: ['user-agent'] },
        },
      ],
      business: [
        { name: 'user-agent', provides: ['user_get'], depends_on: ['auth-agent'] },
        {
          name: 'payment-agent',
          provides: ['payment_process', 'payment_refund'],
          restricted: { payment_refund: ['order-agent'] },
        },
        { name: 'inventory-agent', provides: ['inventory_restock'], restricted: { inventory_restock: [] } },
        {
          name: 'order-agent',
          provides: ['order_processing'],
          depends_on: ['user-agent', 'payment-agent', 'inventory-agent'],
        },
      ],
      edge: [{ name: 'api-gateway', provides: [], depends_on: ['auth-agent', 'user-agent', 'order-agent'] }],
    },
  }),
);

describe('MeshPolicy', () => {
  it('lets an agent register only what it provides, plus its own consumer groups', () => {
    expect(policy.mayRegister(agent('payment-agent'), 'payment_process').allowed).toBe(true);
    expect(policy.mayRegister(agent('api-gateway'), 'api_gateway_consumer_1').allowed).toBe(true);
    const rogue = policy.mayRegister(agent('user-agent'), 'payment_process');
    expect(rogue).toEqual({
      allowed: false,
      reason: 'agent/user-agent does not provide payment_process in architecture.yml',
    });
    expect(policy.mayRegister(agent('user-agent'), 'api_gateway_consumer_1').allowed).toBe(false);
    expect(policy.mayRegister(operator, 'payment_process').allowed).toBe(false);
  });

  it('lets a caller use a provider only when it depends on it', () => {
    expect(policy.mayCall(agent('order-agent'), 'payment-agent', 'payment_process').allowed).toBe(true);
    expect(policy.mayCall(agent('api-gateway'), 'payment-agent', 'payment_process')).toEqual({
      allowed: false,
      reason: 'agent/api-gateway does not depend on payment-agent in architecture.yml',
    });
    expect(policy.mayCall(agent('stranger'), 'user-agent', 'user_get').allowed).toBe(false);
  });

  it('keeps restricted capabilities to their named callers and the operator', () => {
    expect(policy.mayCall(agent('user-agent'), 'auth-agent', 'auth_register_credentials').allowed).toBe(true);
    expect(policy.mayCall(agent('api-gateway'), 'auth-agent', 'auth_register_credentials')).toEqual({
      allowed: false,
      reason: 'auth_register_credentials is restricted to user-agent and the operator',
    });
    expect(policy.mayCall(agent('order-agent'), 'payment-agent', 'payment_refund').allowed).toBe(true);
    expect(policy.mayCall(agent('order-agent'), 'inventory-agent', 'inventory_restock')).toEqual({
      allowed: false,
      reason: 'inventory_restock is operator-only',
    });
    expect(policy.mayCall(operator, 'inventory-agent', 'inventory_restock').allowed).toBe(true);
  });

  it('refuses a capability the provider does not provide, even to a dependent', () => {
    expect(policy.mayCall(agent('order-agent'), 'payment-agent', 'user_get').allowed).toBe(false);
  });

  it('refuses identities of another trust domain everywhere', () => {
    const foreign = agent('order-agent', 'evil.example');
    expect(policy.mayCall(foreign, 'payment-agent', 'payment_process').allowed).toBe(false);
    expect(policy.mayRegister(agent('payment-agent', 'evil.example'), 'payment_process').allowed).toBe(false);
    expect(policy.mayManage({ ...operator, trustDomain: 'evil.example' }, 'order-agent').allowed).toBe(false);
  });

  it('lets only the owner or the operator manage a registration', () => {
    expect(policy.mayManage(agent('order-agent'), 'order-agent').allowed).toBe(true);
    expect(policy.mayManage(operator, 'order-agent').allowed).toBe(true);
    expect(policy.mayManage(agent('user-agent'), 'order-agent')).toEqual({
      allowed: false,
      reason: 'agent/user-agent may not act for order-agent',
    });
  });

  it('names the providers of a capability', () => {
    expect([...policy.providersOf('payment_process')]).toEqual(['payment-agent']);
    expect(policy.providersOf('nothing').size).toBe(0);
  });
});
