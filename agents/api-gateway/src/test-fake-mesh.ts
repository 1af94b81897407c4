import { MeshError } from '@mesh/common';
import type { MeshCallOptions, MeshPorts, VerifiedToken } from './mesh-ports.js';
import { FakeShop } from './test-fake-shop.js';

/** A scripted mesh for gateway tests: two users with tokens, an order book and switchable failures. */
export class FakeMesh extends FakeShop implements MeshPorts {
  readonly tokens = new Map<string, VerifiedToken>([
    [
      'tok-user-1',
      { user_id: 'user-1', scopes: ['orders:write', 'orders:read', 'users:read'], expires_at: future() },
    ],
    [
      'tok-user-2',
      { user_id: 'user-2', scopes: ['orders:write', 'orders:read', 'users:read'], expires_at: future() },
    ],
    ['tok-admin', { user_id: 'admin', scopes: ['admin'], expires_at: future() }],
    ['tok-readonly', { user_id: 'user-3', scopes: ['orders:read'], expires_at: future() }],
  ]);
  readonly orders = new Map<string, Record<string, unknown>>();
  readonly calls: { op: string; options: MeshCallOptions }[] = [];
  available: Record<string, number> = {
    order_processing: 1,
    order_get: 1,
    auth_login: 1,
    auth_verify_token: 2,
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

  async processOrder(order: Record<string, unknown>, options: MeshCallOptions) {
    this.calls.push({ op: 'processOrder', options });
    if (this.orderGate) await this.orderGate;
    this.lastOrder = order;
    if (this.orderError) throw this.orderError;
    const id = String(order['order_id']);
    const result =
      this.outcome === 'completed'
        ? { status: 'completed', order_id: id, payment_id: `pay-${id}`, state: 'completed', replayed: false }
        : { status: 'failed', order_id: id, error: this.outcome, state: 'compensated', replayed: false };
    this.orders.set(id, {
      order_id: id,
      user_id: order['user_id'],
      status: result.status,
      state: result.state,
    });
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
      token_type: 'Bearer',
      expires_in: 3600,
      user_id: credentials.username,
      scopes: [],
    };
  }

  async verifyToken(token: string, options: MeshCallOptions) {
    this.calls.push({ op: 'verifyToken', options });
    const verified = this.tokens.get(token);
    if (!verified) throw new MeshError('UNAUTHORIZED', 'invalid token');
    return verified;
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

function future(): string {
  return new Date(Date.now() + 3_600_000).toISOString();
}
