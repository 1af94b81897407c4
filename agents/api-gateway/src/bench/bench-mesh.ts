import { MeshError } from '@mesh/common';
import type { MeshPorts, VerifiedToken } from '../mesh-ports.js';
import { shopUnavailable } from '../shop-ports.js';

/** Users (and tokens `bench-token-<n>`) the load spreads its orders over, as k6's setup logs in several users. */
export const BENCH_USERS = 50;

/**
 * A mesh that answers at once: every order completes, every bench token is valid. It takes the mesh out of the
 * measurement, so what is left is the gateway's own work per request (HTTP, routing, auth cache, rate limit,
 * validation, spans, metrics), the part a change of its HTTP layer can change.
 */
export function benchMesh(): MeshPorts {
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  const tokens = new Map<string, VerifiedToken>();
  for (let n = 0; n < BENCH_USERS; n += 1) {
    tokens.set(`bench-token-${n}`, {
      user_id: `user-${n}`,
      scopes: ['orders:write', 'orders:read', 'users:read'],
      expires_at: expires,
    });
  }
  return {
    ...shopUnavailable(),
    async processOrder(order) {
      const id = String(order['order_id']);
      return {
        status: 'completed',
        order_id: id,
        payment_id: `pay-${id}`,
        state: 'completed',
        replayed: false,
      };
    },
    async getOrder(orderId) {
      return { order_id: orderId, user_id: 'user-0', status: 'completed', state: 'completed' };
    },
    async login(credentials) {
      return { access_token: `bench-token-0`, token_type: 'Bearer', user_id: credentials.username };
    },
    async verifyToken(token) {
      const verified = tokens.get(token);
      if (verified === undefined) throw new MeshError('UNAUTHORIZED', 'invalid token');
      return verified;
    },
    async getUser(userId) {
      return { id: userId };
    },
    async listProducts(page) {
      return { products: [], total: 0, limit: page.limit, offset: page.offset, next_offset: null };
    },
    dependencies: () => ({ order_processing: 1, auth_verify_token: 1 }),
  };
}
