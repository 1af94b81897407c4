import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, login, postJson, type HttpAnswer } from './support/api.js';
import { readEndpoints, type SystemEndpoints } from './support/environment.js';
import { chargesOf } from './support/ledgers.js';
import { startSystem, type StartedSystem } from './system/harness.js';

async function send(method: string, url: string, token: string): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as HttpAnswer['body'],
  };
}

/**
 * The shop through the gateway of a system started as users start it: browse the catalogue (product agent),
 * fill a cart (cart agent, two replicas), check it out (one order even when asked twice at once; a declined
 * card leaves the cart), then recommendations (recommendation agent) that change once the model is trained on
 * the orders placed.
 */
describe('shopping: catalogue, cart, checkout, recommendations', () => {
  let system: StartedSystem;
  let endpoints: SystemEndpoints;
  let gateway: string;
  const tokens = new Map<string, string>();

  const tokenOf = async (user: string): Promise<string> => {
    let token = tokens.get(user);
    if (token === undefined) tokens.set(user, (token = await login(gateway, user)));
    return token;
  };
  const fill = async (user: string, items: { sku: string; quantity: number }[]) => {
    const answer = await postJson(`${gateway}/cart`, { items }, await tokenOf(user));
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  const checkout = async (user: string, body: Record<string, unknown> = {}) =>
    postJson(`${gateway}/cart/checkout`, body, await tokenOf(user), 90_000);

  beforeAll(async () => {
    system = await startSystem({ env: { DEPENDENCY_TIMEOUT: '120s' }, timeoutMs: 240_000 });
    endpoints = readEndpoints(system.home, system.gatewayUrl);
    gateway = endpoints.gatewayUrl;
  }, 250_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('searches the catalogue and answers one product', async () => {
    const page = await getJson(`${gateway}/products?q=ITEM%201&limit=5`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    // "Demo item 1" and "Demo item 10" … "Demo item 19".
    expect(page.body['total']).toBe(11);
    expect(page.body['products']).toHaveLength(5);
    expect(page.body['next_offset']).toBe(5);
    const one = await getJson(`${gateway}/products/ITEM-3`);
    expect(one.body).toMatchObject({ sku: 'ITEM-3', price: 19.99, price_cents: 1999, currency: 'usd' });
    expect((await getJson(`${gateway}/products/NOPE-1`)).status).toBe(404);
  });

  it('fills a cart at catalogue prices, and keeps it when the card is declined', async () => {
    const cart = await fill('user-21', [
      { sku: 'ITEM-1', quantity: 2 },
      { sku: 'ITEM-3', quantity: 1 },
    ]);
    expect(cart).toMatchObject({ user_id: 'user-21', total_cents: 3997, currency: 'usd' });
    const declined = await checkout('user-21', { payment_method: 'tok_chargeDeclined' });
    expect(declined.status, JSON.stringify(declined.body)).toBe(402);
    const after = await getJson(`${gateway}/cart`, await tokenOf('user-21'));
    expect(after.body['lines']).toHaveLength(2);
    expect(after.body['pending_order_id']).toBeNull();
  });

  it('makes one order and one charge of two checkouts at once, then empties the cart', async () => {
    const [first, second] = await Promise.all([checkout('user-21'), checkout('user-21')]);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body['order_id']).toBe(first.body['order_id']);
    const orderId = first.body['order_id'] as string;
    const order = await getJson(`${gateway}/orders/${orderId}`, await tokenOf('user-21'));
    expect(order.body).toMatchObject({ status: 'completed', user_id: 'user-21', total: 39.97 });
    expect(await chargesOf(endpoints.paymentUrl, orderId)).toHaveLength(1);
    expect((await getJson(`${gateway}/cart`, await tokenOf('user-21'))).body['lines']).toEqual([]);
    // The same checkout again (an answer lost on the way): the same order, not a new one.
    const again = await checkout('user-21');
    expect(again.body).toMatchObject({ order_id: orderId, replayed: true });
  });

  it('removes a line and clears a cart', async () => {
    await fill('user-25', [
      { sku: 'ITEM-5', quantity: 1 },
      { sku: 'ITEM-6', quantity: 1 },
    ]);
    const removed = await send('DELETE', `${gateway}/cart/ITEM-5`, await tokenOf('user-25'));
    expect(removed.body['lines'].map((line: { sku: string }) => line.sku)).toEqual(['ITEM-6']);
    expect((await send('DELETE', `${gateway}/cart`, await tokenOf('user-25'))).body['lines']).toEqual([]);
  });

  it('recommends what was bought together once the model is trained, never what is in the cart', async () => {
    for (const user of ['user-22', 'user-23']) {
      await fill(user, [
        { sku: 'ITEM-7', quantity: 1 },
        { sku: 'ITEM-8', quantity: 1 },
      ]);
      expect((await checkout(user)).status).toBe(200);
    }
    await fill('user-24', [{ sku: 'ITEM-7', quantity: 1 }]);
    const token = await tokenOf('user-24');
    const before = await getJson(`${gateway}/recommendations?limit=5`, token);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    // No model yet: best sellers from the order history.
    expect(before.body['model']).toEqual({ source: 'best_sellers', trained_at: null });

    const trained = await system.script('scripts/train-recommendations.mjs', [], 60_000);
    expect(trained.code, trained.output).toBe(0);
    expect(trained.output).toMatch(/trained on 3 completed orders/);

    // The agent reloads the file on its own (debounced): poll, bounded.
    let after: HttpAnswer | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      after = await getJson(`${gateway}/recommendations?limit=5&exclude=ITEM-1`, token);
      if (after.body['model']?.['source'] === 'model') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(after?.body['model']?.['source']).toBe('model');
    const skus = (after?.body['recommendations'] as { sku: string; reason: string }[]).map((r) => r.sku);
    expect(after?.body['recommendations'][0]).toMatchObject({ sku: 'ITEM-8', reason: 'bought_together' });
    expect(skus).not.toContain('ITEM-7');
    expect(skus).not.toContain('ITEM-1');
    expect(skus).toHaveLength(5);
  });
});
