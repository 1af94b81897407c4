import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { planNewAgent, type NewAgentRequest } from './new-agent-plan.js';
import { refusal as refusalOf } from './test-refusal.js';

const arch = loadArchitecture(
  fileURLToPath(new URL('../../../../architecture.yml', import.meta.url)),
  'architecture.yml',
);
// An empty tree: no agents/ directory, so only architecture.yml decides what exists.
const root = mkdtempSync(join(tmpdir(), 'new-agent-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const request = (overrides: Partial<NewAgentRequest>): NewAgentRequest => ({
  name: 'shipping',
  tier: 'business',
  depends: undefined,
  replicas: undefined,
  description: undefined,
  ...overrides,
});

const refusal = (overrides: Partial<NewAgentRequest>): string =>
  refusalOf(() => planNewAgent(arch, root, request(overrides)));

describe('planNewAgent', () => {
  it('turns the capabilities it calls into the agents it depends on, in the order given', () => {
    const plan = planNewAgent(
      arch,
      root,
      request({ depends: 'inventory_check_stock, user_get,user_get', replicas: '2' }),
    );
    expect(plan).toMatchObject({
      tier: 'business',
      tierRank: 2,
      replicas: 2,
      capability: 'shipping_hello',
      dependsOn: ['inventory-agent', 'user-agent'],
      dependencies: [
        { capability: 'inventory_check_stock', providers: ['inventory-agent'] },
        { capability: 'user_get', providers: ['user-agent'] },
      ],
    });
    expect(plan.name.agent).toBe('shipping-agent');
  });

  it('defaults to one replica and no dependency', () => {
    expect(planNewAgent(arch, root, request({ tier: 'core' }))).toMatchObject({
      replicas: 1,
      dependsOn: [],
      dependencies: [],
    });
  });

  it('refuses an agent architecture.yml declares, or whose directory exists', () => {
    expect(refusal({ name: 'user' })).toBe('AGENT_EXISTS: architecture.yml already declares user-agent');
    mkdirSync(join(root, 'agents', 'billing'), { recursive: true });
    expect(refusal({ name: 'billing' })).toBe('AGENT_EXISTS: agents/billing already exists');
  });

  it('refuses a missing or unknown tier, naming the tiers there are, and the edge tier', () => {
    expect(refusal({ tier: undefined })).toBe(
      'UNKNOWN_TIER: --tier is required: one of core, support, business, edge',
    );
    expect(refusal({ tier: 'middle' })).toBe(
      'UNKNOWN_TIER: unknown tier "middle": architecture.yml\'s tier_order has core, support, business, edge',
    );
    expect(refusal({ tier: 'edge' })).toMatch(/^UNSUPPORTED_TIER: the edge tier holds the public HTTP entry/);
  });

  it.each(['0', '21', '1.5', 'two', '-1'])('refuses --replicas %s', (replicas) => {
    expect(refusal({ replicas })).toBe(
      `INVALID_REPLICAS: --replicas must be a whole number from 1 to 20, got "${replicas}"`,
    );
  });

  it('refuses a capability no agent provides, listing those that exist', () => {
    expect(refusal({ depends: 'user_get,user_delete' })).toMatch(
      /^UNKNOWN_CAPABILITY: no agent of architecture.yml provides "user_delete"; capabilities: analytics_record_event, /,
    );
  });

  it('refuses a capability restricted to the operator or to other callers', () => {
    expect(refusal({ depends: 'user_create' })).toBe(
      'CAPABILITY_RESTRICTED: user-agent lets only the operator call user_create (architecture.yml restricted): ' +
        "a new agent's call would be refused",
    );
    expect(refusal({ depends: 'payment_refund' })).toMatch(
      /^CAPABILITY_RESTRICTED: payment-agent lets only order-agent call payment_refund/,
    );
  });

  it('refuses a dependency on a higher tier', () => {
    expect(refusal({ tier: 'core', depends: 'user_get' })).toBe(
      'TIER_ORDER: user_get comes from user-agent in the higher tier business: an agent may depend only on ' +
        'its own tier or lower ones (choose --tier business or higher)',
    );
  });
});
