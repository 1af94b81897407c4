import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MeshIdentity } from './identity.js';
import { loadPolicyFile } from './policy-file.js';

/**
 * The policy the repository ships (architecture.yml), read as every strict agent reads it. Depending on an
 * agent lets a caller use all it provides unless a capability is restricted, so each capability that moves
 * stock or someone else's cart is pinned here to the callers that need it.
 */
const policy = loadPolicyFile(
  fileURLToPath(new URL('../../../architecture.yml', import.meta.url)),
  'mesh.local',
);
const agent = (name: string): MeshIdentity => ({ trustDomain: 'mesh.local', kind: 'agent', name });
const allowed = (caller: string, provider: string, capability: string): boolean =>
  policy.mayCall(agent(caller), provider, capability).allowed;

describe('the shipped architecture.yml as a policy', () => {
  it.each([
    'inventory_reserve_items',
    'inventory_release_reservation',
    'inventory_commit_reservation',
    'inventory_commit_reservations',
  ])('lets only the order agent call %s, not the product agent that reads the catalogue', (capability) => {
    expect(allowed('order-agent', 'inventory-agent', capability)).toBe(true);
    expect(allowed('product-agent', 'inventory-agent', capability)).toBe(false);
  });

  it('still lets the product agent read the catalogue', () => {
    expect(allowed('product-agent', 'inventory-agent', 'inventory_list_products')).toBe(true);
  });

  it.each(['cart_add_items', 'cart_set_items', 'cart_clear', 'cart_checkout'])(
    'lets only the gateway call %s, not the recommendation agent that reads carts',
    (capability) => {
      expect(allowed('api-gateway', 'cart-agent', capability)).toBe(true);
      expect(allowed('recommendation-agent', 'cart-agent', capability)).toBe(false);
    },
  );

  it('still lets the recommendation agent read a cart', () => {
    expect(allowed('recommendation-agent', 'cart-agent', 'cart_get')).toBe(true);
  });
});
