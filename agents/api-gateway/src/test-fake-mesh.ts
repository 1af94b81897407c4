import { MeshError } from '@mesh/common';
import type { ContractInput, ContractOutput, orderGet, orderProcessing } from '@mesh/contracts';
import type { MeshCallOptions, MeshPorts } from './mesh-ports.js';
import { FakeShop } from './test-fake-shop.js';
import { TestTokenIssuer, jtiOf } from './test-token-issuer.js';

/** The auth of every fake mesh: one key set, so the tokens below are valid at every test gateway. */
export const TEST_ISSUER = new TestTokenIssuer();

const USER_SCOPES = 'orders:write orders:read users:read';

/** Bearer tokens signed like auth's, valid for an hour from when the tests load. */
export const TOKENS = {
  user1: TEST_ISSUER.token({ sub: 'user-1', scope: USER_SCOPES }),
  user2: TEST_ISSUER.token({ sub: 'user-2', scope: USER_SCOPES }),
  admin: TEST_ISSUER.token({ sub: 'admin', scope: 'admin' }),
  readonly: TEST_ISSUER.token({ sub: 'user-3', scope: 'orders:read' }),
} as const;

type OrderRecord = ContractOutput<typeof orderGet>;

/** An order as order_get answers it, from the fields a test cares about (the rest defaulted). */
export function orderRecord(
  fields: Pick<OrderRecord, 'order_id' | 'user_id' | 'status' | 'state'> & Partial<OrderRecord>,
): OrderRecord {
  const now = new Date().toISOString();
  return {
    items: [],
    total: 0,
    currency: 'USD',
    payment_id: null,
    reservation_id: null,
    error: null,
    created_at: now,
    updated_at: now,
    ...fields,
  };
}

/** A scripted mesh for gateway tests: auth's keys and revocations, an order book and switchable failures. */
export class FakeMesh extends FakeShop implements MeshPorts {
  /** Revoked token ids, in order (auth_revocations pages them by index). */
  readonly revoked: { jti: string; expires_at: string }[] = [];
  /** When set, auth's calls fail as if the agent were down. */
  authDown = false;

  /** `issuer`: auth's keys (default the one TOKENS are signed with). */
  constructor(readonly issuer: TestTokenIssuer = TEST_ISSUER) {
    super();
  }

  readonly orders = new Map<string, OrderRecord>();
  readonly calls: { op: string; options: MeshCallOptions }[] = [];
  available: Record<string, number> = {
    order_processing: 1,
    order_get: 1,
    auth_login: 1,
    auth_signing_keys: 2,
    auth_revocations: 2,
    user_get: 3,
    product_list: 3,
  };
  /** Thrown by processOrder when set. */
  orderError: MeshError | undefined;
  /** processOrder waits for this before answering, when set (a slow saga). */
  orderGate: Promise<void> | undefined;
  /** The body of the last processOrder call. */
  lastOrder: Record<string, unknown> | undefined;
  /** The catalogue listProducts searches and pages through (ITEM-1..ITEM-3). */
  readonly products = [1, 2, 3].map((n) => ({
    sku: `ITEM-${n}`,
    name: `Demo item ${n}`,
    price: Number((4.99 + 5 * n).toFixed(2)),
    price_cents: 499 + 500 * n,
    currency: 'usd',
    available: 5,
  }));
  /** Thrown by listProducts when set. */
  productsError: MeshError | undefined;
  /** Outcome processOrder returns for the next orders (default completed). */
  outcome: 'completed' | { code: string; message: string } = 'completed';

  async processOrder(order: ContractInput<typeof orderProcessing>, options: MeshCallOptions) {
    this.calls.push({ op: 'processOrder', options });
    if (this.orderGate) await this.orderGate;
    this.lastOrder = order;
    if (this.orderError) throw this.orderError;
    const id = order.order_id;
    const result =
      this.outcome === 'completed'
        ? {
            status: 'completed' as const,
            order_id: id,
            payment_id: `pay-${id}`,
            state: 'completed',
            replayed: false,
          }
        : {
            status: 'failed' as const,
            order_id: id,
            error: this.outcome,
            state: 'compensated',
            replayed: false,
          };
    this.orders.set(
      id,
      orderRecord({
        order_id: id,
        user_id: order.user_id,
        status: result.status,
        state: result.state,
        items: order.items,
        total: order.total ?? 0,
        payment_id: result.payment_id ?? null,
        error: result.error ?? null,
      }),
    );
    return result;
  }

  async getOrder(orderId: string, options: MeshCallOptions) {
    this.calls.push({ op: 'getOrder', options });
    const order = this.orders.get(orderId);
    if (!order) throw new MeshError('NOT_FOUND', `order ${orderId} not found`);
    return order;
  }

  /** The credentials of every login call, as the auth agent would receive them. */
  readonly logins: { username: string; password: string; client_address?: string }[] = [];

  async login(
    credentials: { username: string; password: string; client_address?: string },
    options: MeshCallOptions,
  ) {
    this.calls.push({ op: 'login', options });
    this.logins.push(credentials);
    if (credentials.username === 'throttled') {
      throw new MeshError('RATE_LIMITED', 'too many failed logins', { data: { retryAfterSeconds: 8 } });
    }
    if (credentials.password !== 'demo') throw new MeshError('UNAUTHORIZED', 'bad credentials');
    return {
      access_token: `tok-${credentials.username}`,
      token_type: 'Bearer' as const,
      expires_in: 3600,
      user_id: credentials.username,
      scopes: [],
    };
  }

  async signingKeys(options: MeshCallOptions) {
    this.calls.push({ op: 'signingKeys', options });
    if (this.authDown) throw new MeshError('CONNECTION_FAILED', 'auth-agent is down');
    return this.issuer.keySet();
  }

  async revocations(cursor: string | undefined, options: MeshCallOptions) {
    this.calls.push({ op: 'revocations', options });
    if (this.authDown) throw new MeshError('CONNECTION_FAILED', 'auth-agent is down');
    return {
      revocations: this.revoked.slice(Number(cursor ?? '0')),
      cursor: String(this.revoked.length),
      more: false,
    };
  }

  /** What auth_revoke_token does, as the gateway sees it through auth_revocations. */
  revoke(token: string): void {
    this.revoked.push({ jti: jtiOf(token), expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  }

  /** Calls that reached auth-agent (login aside). */
  authCalls(): number {
    return this.count('signingKeys') + this.count('revocations');
  }

  async getUser(userId: string, options: MeshCallOptions) {
    this.calls.push({ op: 'getUser', options });
    if (userId === 'ghost') throw new MeshError('NOT_FOUND', 'no such user');
    return { id: userId, username: userId, email: `${userId}@example.com`, name: userId };
  }

  /** The query of the last listProducts call. */
  lastProductsQuery: { q?: string | undefined; limit: number; offset: number } | undefined;

  async listProducts(
    page: { q?: string | undefined; limit: number; offset: number },
    options: MeshCallOptions,
  ) {
    this.calls.push({ op: 'listProducts', options });
    this.lastProductsQuery = page;
    if (this.productsError) throw this.productsError;
    const needle = (page.q ?? '').toLowerCase();
    const matching = this.products.filter(
      (p) => p.name.toLowerCase().includes(needle) || p.sku.toLowerCase().includes(needle),
    );
    const products = matching.slice(page.offset, page.offset + page.limit);
    const next = page.offset + page.limit;
    return {
      products,
      total: matching.length,
      limit: page.limit,
      offset: page.offset,
      next_offset: next < matching.length ? next : null,
    };
  }

  dependencies() {
    return { ...this.available };
  }

  count(op: string): number {
    return this.calls.filter((call) => call.op === op).length;
  }
}
