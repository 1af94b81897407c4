import { MeshError } from '@mesh/common';
import type { MeshPorts, VerifiedToken } from '../mesh-ports.js';
import { orderRecord } from '../test-fake-mesh.js';
import { TestTokenIssuer } from '../test-token-issuer.js';
import { verificationKeys } from '../token-check/verification-key.js';
import { verifyJwt } from '../token-check/jwt-verify.js';
import { shopUnavailable } from '../shop-ports.js';

/** Users the load spreads its orders over, as k6's setup logs in several users. */
export const BENCH_USERS = 50;

/** auth's keys in every bench process: derived from one seed, so the load's tokens verify in the gateway's. */
export const BENCH_ISSUER = new TestTokenIssuer(Date.now, 'gateway-bench');

/** One token per bench user, valid for a day, signed like auth's tokens. */
export function benchTokens(): string[] {
  return Array.from({ length: BENCH_USERS }, (_, n) =>
    BENCH_ISSUER.token({ sub: `user-${n}`, ttlSeconds: 86_400 }),
  );
}

/**
 * A mesh that answers at once: every order completes, every bench token is valid. It takes the mesh out of the
 * measurement, so what is left is the gateway's own work per request (HTTP, routing, token check, rate limit,
 * validation, spans, metrics), the part a change of its HTTP layer can change. It answers both token paths:
 * auth's key set and revocations (this build) and `verifyToken` (a baseline from before local verification).
 */
export function benchMesh(): MeshPorts & { verifyToken(token: string): Promise<VerifiedToken> } {
  const keys = verificationKeys(BENCH_ISSUER.keySet());
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
      return orderRecord({ order_id: orderId, user_id: 'user-0', status: 'completed', state: 'completed' });
    },
    async login(credentials) {
      return {
        access_token: benchTokens()[0]!,
        token_type: 'Bearer',
        expires_in: 3600,
        user_id: credentials.username,
        scopes: [],
      };
    },
    async signingKeys() {
      return BENCH_ISSUER.keySet();
    },
    async revocations(cursor) {
      return { revocations: [], cursor: cursor ?? '0', more: false };
    },
    async verifyToken(token) {
      const result = verifyJwt(token, (kid) => keys.get(kid), {
        issuer: BENCH_ISSUER.issuer,
        audience: BENCH_ISSUER.audience,
        leewaySeconds: 5,
        now: Date.now(),
      });
      if (!result.ok) throw new MeshError('UNAUTHORIZED', 'invalid token');
      return {
        user_id: result.claims.sub,
        scopes: result.claims.scopes,
        expires_at: new Date(result.claims.exp * 1000).toISOString(),
      };
    },
    async getUser(userId) {
      return { id: userId, username: userId, email: `${userId}@example.com`, name: userId };
    },
    async listProducts(page) {
      return { products: [], total: 0, limit: page.limit, offset: page.offset, next_offset: null };
    },
    dependencies: () => ({ order_processing: 1, auth_signing_keys: 1, auth_verify_token: 1 }),
  };
}
