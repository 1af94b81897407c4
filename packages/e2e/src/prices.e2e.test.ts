import { randomBytes } from 'node:crypto';
import { chargeViolations } from '@mesh/meshctl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, login, postOrder, type HttpAnswer, type SeedOrder } from './support/api.js';
import { readEndpoints, type SystemEndpoints } from './support/environment.js';
import { BusinessDb, chargesByOrder, chargesOf, type StockRow } from './support/ledgers.js';
import { startSystem, type StartedSystem } from './system/harness.js';

interface Product {
  sku: string;
  name: string;
  price: number;
  currency: string;
  available: number;
}

/**
 * The server sets the price: orders whose client-side total, currency or SKUs are manipulated are refused
 * before anything is reserved or charged, through the gateway of a system started as users start it. The
 * books (stock in business_db, charges at the payment sandbox) are read from their sources, not from the
 * order agent.
 */
describe('prices come from the catalogue, not the client', () => {
  const run = randomBytes(3).toString('hex');
  /** A SKU priced under the payment gateway's minimum charge (50 cents). */
  const CHEAP = `PRICE-${run}-CHEAP`;
  /** Every order the run placed, by id, with what it should have cost (cents) when it completed. */
  const placed = new Map<string, number | undefined>();
  let system: StartedSystem;
  let endpoints: SystemEndpoints;
  let db: BusinessDb;
  let gateway: string;
  let token: string;

  const order = (suffix: string, fields: Omit<SeedOrder, 'order_id' | 'user_id'>): SeedOrder => {
    const order_id = `price-${run}-${suffix}`;
    placed.set(order_id, undefined);
    return { order_id, user_id: 'user-12', ...fields };
  };

  const stockOf = (body: SeedOrder): Promise<StockRow[]> =>
    Promise.all(
      body.items.map((item) => db.stock(item.sku).catch(() => ({ sku: item.sku }) as unknown as StockRow)),
    );

  /** Posts an order that must be refused: answers `status`/`code`, leaves stock as it was, charges nothing. */
  const refused = async (body: SeedOrder, status: number, code: string): Promise<HttpAnswer> => {
    const before = await stockOf(body);
    const answer = await postOrder(gateway, token, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body['error']).toMatchObject({ code });
    expect(await stockOf(body)).toEqual(before);
    expect(await chargesOf(endpoints.paymentUrl, body.order_id)).toEqual([]);
    return answer;
  };

  beforeAll(async () => {
    system = await startSystem({ env: { DEPENDENCY_TIMEOUT: '120s' }, timeoutMs: 240_000 });
    endpoints = readEndpoints(system.home, system.gatewayUrl);
    gateway = endpoints.gatewayUrl;
    db = new BusinessDb(endpoints.businessDbUrl);
    await db.createSku(CHEAP, 100, 0.25);
    token = await login(gateway, 'user-12');
  });

  afterAll(async () => {
    await db?.close();
    await system?.stop();
  });

  it('lists every demo SKU with its catalogue price, currency and stock on GET /products, without a token', async () => {
    const answer = await getJson(`${gateway}/products?limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const products = answer.body['products'] as Product[];
    for (let n = 1; n <= 20; n += 1) {
      const sku = `ITEM-${n}`;
      const row = await db.stock(sku);
      expect(products.find((p) => p.sku === sku)).toMatchObject({
        price: await db.price(sku),
        currency: 'usd',
        available: row.available,
      });
    }
    const page = await getJson(`${gateway}/products?limit=2`);
    expect(page.body['products']).toHaveLength(2);
    expect(page.body['next_offset']).toBe(2);
    expect((await getJson(`${gateway}/products?limit=100000`)).status).toBe(400);
  });

  it('refuses a total of 0 with 400 naming the field', async () => {
    const answer = await refused(
      order('zero', { items: [{ sku: 'ITEM-1', quantity: 1 }], total: 0 }),
      400,
      'VALIDATION_FAILED',
    );
    expect(answer.body['error']['field']).toBe('total');
  });

  it('refuses a million units for a total of 0 and leaves the SKU as it was', async () => {
    await refused(
      order('huge', { items: [{ sku: 'ITEM-19', quantity: 1_000_000 }], total: 0 }),
      400,
      'VALIDATION_FAILED',
    );
    // Without a total, the server's own total is beyond what one order may cost.
    await refused(
      order('huge-untotalled', { items: [{ sku: 'ITEM-19', quantity: 1_000_000 }] }),
      422,
      'TOTAL_OUT_OF_RANGE',
    );
  });

  it('answers 409 PRICE_MISMATCH with the expected total when the client names another price', async () => {
    const itemTwo = await db.price('ITEM-2');
    const inflated = await refused(
      order('inflated', { items: [{ sku: 'ITEM-2', quantity: 1 }], total: 99.99 }),
      409,
      'PRICE_MISMATCH',
    );
    expect(inflated.body['error']).toMatchObject({ expected_total: itemTwo, currency: 'usd' });
    const bulk = await refused(
      order('bulk', { items: [{ sku: 'ITEM-20', quantity: 1000 }], total: 0.5 }),
      409,
      'PRICE_MISMATCH',
    );
    const itemTwenty = await db.price('ITEM-20');
    expect(bulk.body['error']['expected_total']).toBeCloseTo(itemTwenty * 1000, 2);
  });

  it('answers 404 UNKNOWN_SKU for a SKU the catalogue does not have, not out of stock', async () => {
    const answer = await refused(
      order('unknown', {
        items: [
          { sku: 'ITEM-1', quantity: 1 },
          { sku: `NO-SUCH-${run}`, quantity: 1 },
        ],
        total: 10,
      }),
      404,
      'UNKNOWN_SKU',
    );
    expect(answer.body['error']['skus']).toEqual([`NO-SUCH-${run}`]);
  });

  it('refuses a currency the catalogue does not price in with 422', async () => {
    const price = await db.price('ITEM-3');
    const answer = await refused(
      order('xyz', { items: [{ sku: 'ITEM-3', quantity: 1 }], total: price, currency: 'XYZ' }),
      422,
      'UNSUPPORTED_CURRENCY',
    );
    expect(answer.body['error']).toMatchObject({ currency: 'usd' });
  });

  it('charges the catalogue price: with the right total, and without one', async () => {
    const price = await db.price('ITEM-4');
    const items = [{ sku: 'ITEM-4', quantity: 3 }];
    const bodies: [string, Omit<SeedOrder, 'order_id' | 'user_id'>][] = [
      ['right', { items, total: Number((price * 3).toFixed(2)) }],
      ['untotalled', { items, currency: 'USD' }],
    ];
    for (const [suffix, fields] of bodies) {
      const body = order(suffix, fields);
      const answer = await postOrder(gateway, token, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const charges = await chargesOf(endpoints.paymentUrl, body.order_id);
      expect(charges).toEqual([
        expect.objectContaining({ status: 'succeeded', amount: Math.round(price * 300), amount_refunded: 0 }),
      ]);
      placed.set(body.order_id, Math.round(price * 300));
    }
  });

  it('answers payment client errors (amount too small, unknown payment method) with 422, not 503', async () => {
    const small = order('small', { items: [{ sku: CHEAP, quantity: 1 }], total: 0.25 });
    const before = await db.stock(CHEAP);
    const tooSmall = await postOrder(gateway, token, small);
    expect(tooSmall.status, JSON.stringify(tooSmall.body)).toBe(422);
    expect(tooSmall.body['error']).toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(await db.stock(CHEAP)).toEqual(before);
    const price = await db.price('ITEM-5');
    const bogus = order('bogus', {
      items: [{ sku: 'ITEM-5', quantity: 1 }],
      total: price,
      payment_method: 'tok_bogus',
    });
    const stockBefore = await db.stock('ITEM-5');
    const badMethod = await postOrder(gateway, token, bogus);
    expect(badMethod.status, JSON.stringify(badMethod.body)).toBe(422);
    expect(badMethod.body['error']).toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(await db.stock('ITEM-5')).toEqual(stockBefore);
    for (const id of [small.order_id, bogus.order_id]) {
      expect(await chargesOf(endpoints.paymentUrl, id)).toEqual([]);
    }
  });

  it('holds no standing charge on any order that did not complete (money check)', async () => {
    const states = await db.orderStates([...placed.keys()]);
    const charges = await chargesByOrder(endpoints.paymentUrl, placed.keys());
    const violations = [...placed].flatMap(([orderId, cents]) =>
      chargeViolations(orderId, states.get(orderId) ?? 'absent', charges.get(orderId) ?? [], cents),
    );
    expect(violations).toEqual([]);
    // Refused orders were never stored: there is nothing to recover or compensate.
    expect(states.get(`price-${run}-inflated`)).toBeUndefined();
    expect(states.get(`price-${run}-unknown`)).toBeUndefined();
  });
});
