import { MeshError } from '@mesh/common';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMesh, TOKENS } from './test-fake-mesh.js';
import { gatewayServers, getJson, postJson, type Answer, type Json } from './test-http.js';

const servers = gatewayServers();
afterAll(() => servers.close());

async function send(
  method: string,
  url: string,
  token: string | null = TOKENS.user1,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

describe('api-gateway: catalogue, cart, checkout and recommendations', () => {
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await servers.start(mesh);
  });

  it('searches the catalogue with q, without a token', async () => {
    const page = await getJson(`${base}/products?q=item%202&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      products: [{ sku: 'ITEM-2' }],
      total: 1,
      limit: 5,
      offset: 0,
      next_offset: null,
    });
    expect(mesh.lastProductsQuery).toEqual({ q: 'item 2', limit: 5, offset: 0 });
    const long = await getJson(`${base}/products?q=${'x'.repeat(101)}`);
    expect(long.status).toBe(400);
    expect(long.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', field: 'q' });
  });

  it('answers one product by SKU, and 404 for an unknown one', async () => {
    const found = await getJson(`${base}/products/ITEM-1`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ sku: 'ITEM-1', price_cents: 999 });
    const missing = await getJson(`${base}/products/NOPE`);
    expect(missing.status).toBe(404);
    expect(missing.body['error']).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the cart for the token user only: no token is 401, and a body never names the user', async () => {
    expect((await getJson(`${base}/cart`)).status).toBe(401);
    expect((await postJson(`${base}/cart`, { items: [{ sku: 'ITEM-1', quantity: 1 }] }, null)).status).toBe(
      401,
    );
    const added = await postJson(`${base}/cart`, {
      user_id: 'user-2',
      items: [{ sku: 'ITEM-1', quantity: 2 }],
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ user_id: 'user-1', lines: [{ sku: 'ITEM-1', quantity: 2 }] });
    expect(mesh.carts.has('user-2')).toBe(false);
    expect((await getJson(`${base}/cart`, TOKENS.user2)).body['lines']).toEqual([]);
  });

  it('adds, sets, removes one line and clears the cart', async () => {
    await postJson(`${base}/cart`, {
      items: [
        { sku: 'ITEM-1', quantity: 2 },
        { sku: 'ITEM-2', quantity: 1 },
      ],
    });
    await postJson(`${base}/cart`, { items: [{ sku: 'ITEM-1', quantity: 1 }] });
    expect((await getJson(`${base}/cart`, TOKENS.user1)).body['lines']).toEqual([
      expect.objectContaining({ sku: 'ITEM-1', quantity: 3 }),
      expect.objectContaining({ sku: 'ITEM-2', quantity: 1 }),
    ]);
    const set = await postJson(`${base}/cart`, { mode: 'set', items: [{ sku: 'ITEM-1', quantity: 5 }] });
    expect(set.body['lines'][0]).toMatchObject({ sku: 'ITEM-1', quantity: 5 });
    const removed = await send('DELETE', `${base}/cart/ITEM-2`);
    expect(removed.status).toBe(200);
    expect(removed.body['lines'].map((line: Json) => line['sku'])).toEqual(['ITEM-1']);
    const cleared = await send('DELETE', `${base}/cart`);
    expect(cleared.body['lines']).toEqual([]);
  });

  it('refuses bad cart bodies with 400 naming the field, without asking the mesh', async () => {
    const cases: [unknown, string][] = [
      [{}, 'items'],
      [{ items: [] }, 'items'],
      [{ items: [{ sku: 'ITEM-1', quantity: 0 }] }, 'items[0].quantity'],
      [{ items: [{ sku: 'ITEM-1', quantity: 100 }] }, 'items[0].quantity'],
      [{ items: [{ sku: '', quantity: 1 }] }, 'items[0].sku'],
      [{ items: [{ sku: 'ITEM-1', quantity: 1.5 }] }, 'items[0].quantity'],
      [{ mode: 'replace', items: [{ sku: 'ITEM-1', quantity: 1 }] }, 'mode'],
    ];
    for (const [body, field] of cases) {
      const answer = await postJson(`${base}/cart`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body['error'], JSON.stringify(body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    expect(mesh.shopCalls.filter((call) => call.op.endsWith('Cart'))).toEqual([]);
  });

  it('maps the cart refusals to 4xx', async () => {
    const cases: [MeshError, number][] = [
      [new MeshError('CART_LIMIT', 'at most 50'), 422],
      [new MeshError('CHECKOUT_PENDING', 'order o is being placed'), 409],
      [new MeshError('UNKNOWN_SKU', 'unknown SKU: X', { data: { skus: ['X'] } }), 404],
      [new MeshError('MIXED_CURRENCIES', 'one currency'), 422],
    ];
    for (const [error, status] of cases) {
      mesh.cartError = error;
      const answer = await postJson(`${base}/cart`, { items: [{ sku: 'ITEM-1', quantity: 1 }] });
      expect(answer.status, error.code).toBe(status);
      expect(answer.body['error']['code']).toBe(error.code);
    }
    mesh.cartError = new MeshError('CART_EMPTY', 'the cart is empty');
    expect((await postJson(`${base}/cart/checkout`, {})).status).toBe(409);
  });

  it('checks out the token user cart: 200 completed, with the key from the body or Idempotency-Key', async () => {
    await postJson(`${base}/cart`, { items: [{ sku: 'ITEM-1', quantity: 1 }] });
    const done = await postJson(`${base}/cart/checkout`, { checkout_key: 'k-1', user_id: 'user-2' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', order_id: 'cart-user-1-k-1', total_cents: 999 });
    expect(mesh.shopCalls.find((call) => call.op === 'checkout')?.input).toEqual({
      user_id: 'user-1',
      checkout_key: 'k-1',
    });
    const response = await fetch(`${base}/cart/checkout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKENS.user1}`,
        'content-type': 'application/json',
        'idempotency-key': 'k-2',
      },
      body: '{}',
    });
    expect(((await response.json()) as Json)['order_id']).toBe('cart-user-1-k-2');
    const clash = await fetch(`${base}/cart/checkout`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKENS.user1}`,
        'content-type': 'application/json',
        'idempotency-key': 'k-3',
      },
      body: JSON.stringify({ checkout_key: 'k-4' }),
    });
    expect(clash.status).toBe(400);
    const badKey = await postJson(`${base}/cart/checkout`, { checkout_key: 'no spaces' });
    expect(badKey.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', field: 'checkout_key' });
  });

  it('answers a failed checkout with the order failure status, and an unknown outcome with 202 and Location', async () => {
    mesh.checkoutResult = {
      status: 'failed',
      error: { code: 'PAYMENT_DECLINED', message: 'card declined' },
      payment_id: null,
    };
    const declined = await postJson(`${base}/cart/checkout`, {});
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({
      status: 'failed',
      error: { code: 'PAYMENT_DECLINED', message: 'card declined' },
    });
    mesh.checkoutResult = { status: 'pending', payment_id: null };
    const pending = await postJson(`${base}/cart/checkout`, {});
    expect(pending.status).toBe(202);
    expect(pending.headers.get('location')).toBe('/orders/cart-user-1-v1');
  });

  it('recommends for the token user, passing limit and exclude, and refuses a bad limit', async () => {
    expect((await getJson(`${base}/recommendations`)).status).toBe(401);
    const answer = await getJson(`${base}/recommendations?limit=2&exclude=ITEM-1`, TOKENS.user1);
    expect(answer.status).toBe(200);
    expect(answer.body['recommendations'].map((r: Json) => r['sku'])).toEqual(['ITEM-2', 'ITEM-3']);
    expect(mesh.shopCalls.find((call) => call.op === 'recommend')?.input).toEqual({
      user_id: 'user-1',
      limit: 2,
      exclude: ['ITEM-1'],
    });
    for (const limit of ['0', '51', 'x']) {
      const bad = await getJson(`${base}/recommendations?limit=${limit}`, TOKENS.user1);
      expect(bad.status, limit).toBe(400);
      expect(bad.body['error']).toMatchObject({ field: 'limit' });
    }
  });

  it('answers 405 with Allow for another method on a shop path', async () => {
    const answer = await send('PUT', `${base}/cart`);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD, POST, DELETE');
  });
});
