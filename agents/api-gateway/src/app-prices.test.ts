import { MeshError } from '@mesh/common';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMesh } from './test-fake-mesh.js';
import { gatewayServers, getJson, postJson } from './test-http.js';

const servers = gatewayServers();
afterAll(() => servers.close());

const order = (fields: Record<string, unknown> = {}) => ({
  order_id: 'o-1',
  user_id: 'user-1',
  items: [{ sku: 'ITEM-2', quantity: 1 }],
  total: 14.99,
  ...fields,
});

describe('api-gateway: prices and the catalogue', () => {
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await servers.start(mesh);
  });

  it('lists the catalogue on GET /products without a token, bounded by limit and offset', async () => {
    const page = await getJson(`${base}/products?limit=2&offset=1`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      products: [
        {
          sku: 'ITEM-2',
          name: 'Demo item 2',
          price: 14.99,
          price_cents: 1499,
          currency: 'usd',
          available: 5,
        },
        {
          sku: 'ITEM-3',
          name: 'Demo item 3',
          price: 19.99,
          price_cents: 1999,
          currency: 'usd',
          available: 5,
        },
      ],
      total: 3,
      limit: 2,
      offset: 1,
      next_offset: null,
    });
    expect((await getJson(`${base}/products`)).body['limit']).toBe(50);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1']) {
      const bad = await getJson(`${base}/products?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body['error']).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('answers 503 for GET /products while no catalogue provider is resolved', async () => {
    mesh.productsError = new MeshError('DEPENDENCY_UNAVAILABLE', 'no provider for product_list');
    expect((await getJson(`${base}/products`)).status).toBe(503);
  });

  it('refuses a total of 0 or less with 400 naming the field, without asking the mesh', async () => {
    for (const total of [0, -5]) {
      const answer = await postJson(`${base}/orders`, order({ total }));
      expect(answer.status).toBe(400);
      expect(answer.body['error']).toMatchObject({ code: 'VALIDATION_FAILED', field: 'total' });
    }
    expect(mesh.count('processOrder')).toBe(0);
  });

  it('passes an order without total or currency on, so the server prices it', async () => {
    const answer = await postJson(`${base}/orders`, order({ total: undefined }));
    expect(answer.status).toBe(200);
    expect(mesh.lastOrder).toEqual({
      order_id: 'o-1',
      user_id: 'user-1',
      items: [{ sku: 'ITEM-2', quantity: 1 }],
    });
  });

  it('answers 409 PRICE_MISMATCH with expected_total and currency in the error body', async () => {
    mesh.orderError = new MeshError('PRICE_MISMATCH', 'total 99.99 does not match the catalogue price', {
      data: { expected_total: 14.99, currency: 'usd', field: 'total', remote: true, provider: 'order-1' },
    });
    const answer = await postJson(`${base}/orders`, order({ total: 99.99 }));
    expect(answer.status).toBe(409);
    expect(answer.body['error']).toEqual({
      code: 'PRICE_MISMATCH',
      message: 'total 99.99 does not match the catalogue price',
      requestId: expect.any(String),
      expected_total: 14.99,
      currency: 'usd',
    });
  });

  it('answers 404 UNKNOWN_SKU with the skus, and 422 for currencies and totals it cannot charge', async () => {
    const cases: [MeshError, number, Record<string, unknown>][] = [
      [new MeshError('UNKNOWN_SKU', 'unknown SKU: X', { data: { skus: ['X'] } }), 404, { skus: ['X'] }],
      [
        new MeshError('UNSUPPORTED_CURRENCY', 'priced in USD', {
          data: { currency: 'usd', requested_currency: 'XYZ' },
        }),
        422,
        { currency: 'usd', requested_currency: 'XYZ' },
      ],
      [
        new MeshError('TOTAL_OUT_OF_RANGE', 'too much', {
          data: { expected_total: 99_940_000, currency: 'usd', max_total: 999_999.99 },
        }),
        422,
        { expected_total: 99_940_000, max_total: 999_999.99 },
      ],
      [new MeshError('MIXED_CURRENCIES', 'usd and eur', { data: { currencies: ['usd', 'eur'] } }), 422, {}],
    ];
    for (const [error, status, fields] of cases) {
      mesh.orderError = error;
      const answer = await postJson(`${base}/orders`, order());
      expect(answer.status, error.code).toBe(status);
      expect(answer.body['error']).toMatchObject({ code: error.code, ...fields });
    }
  });

  it('answers 422 for an order the payment gateway refused as a client error (amount, method), not 503', async () => {
    mesh.outcome = {
      code: 'PAYMENT_REJECTED',
      message: 'payment gateway refused the charge (400 amount_too_small)',
    };
    const answer = await postJson(`${base}/orders`, order());
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ status: 'failed', error: { code: 'PAYMENT_REJECTED' } });
  });
});
