import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentSandbox, type PaymentSandbox } from './server.js';

const KEY = 'sk_test_unit_key_123456';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('payment sandbox', () => {
  let sandbox: PaymentSandbox;
  let base: string;

  beforeAll(async () => {
    sandbox = createPaymentSandbox({ apiKey: KEY, hangMs: 1500 });
    base = (await sandbox.listen(0, '127.0.0.1')).url;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  async function call(
    method: string,
    path: string,
    options: {
      form?: Record<string, string>;
      json?: unknown;
      key?: string | null;
      idempotencyKey?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.key !== null) headers['authorization'] = `Bearer ${options.key ?? KEY}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body,
      signal: options.signal ?? AbortSignal.timeout(5000),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      headers: response.headers,
    };
  }

  function charge(orderId: string, token = 'tok_visa', amount = '1999'): Record<string, string> {
    return { amount, currency: 'usd', source: token, 'metadata[order_id]': orderId };
  }

  async function chargesFor(orderId: string): Promise<Array<Record<string, unknown>>> {
    const reply = await call('GET', `/v1/charges?limit=100&metadata[order_id]=${orderId}`);
    return reply.body['data'] as Array<Record<string, unknown>>;
  }

  it('refuses requests without the API key or with a wrong one', async () => {
    const missing = await call('POST', '/v1/charges', { form: charge('o-auth'), key: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'api_key_invalid' } });
    const wrong = await call('GET', '/v1/charges', { key: 'sk_test_wrong_key_99999' });
    expect(wrong.status).toBe(401);
    expect(await chargesFor('o-auth')).toHaveLength(0);
  });

  it('accepts the key as a Basic username, as Stripe clients send it', async () => {
    const response = await fetch(`${base}/v1/charges?limit=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
  });

  it('charges a tok_visa card and reads the charge back', async () => {
    const created = await call('POST', '/v1/charges', { form: charge('o-visa') });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      amount: 1999,
      currency: 'usd',
      paid: true,
      metadata: { order_id: 'o-visa' },
    });
    const id = created.body['id'] as string;
    expect(id).toMatch(/^ch_/);
    const fetched = await call('GET', `/v1/charges/${id}`);
    expect(fetched.body).toEqual(created.body);
  });

  it('charges once and replays the same response when a key is sent twice', async () => {
    const first = await call('POST', '/v1/charges', { form: charge('o-idem'), idempotencyKey: 'o-idem' });
    const second = await call('POST', '/v1/charges', { form: charge('o-idem'), idempotencyKey: 'o-idem' });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await chargesFor('o-idem')).toHaveLength(1);
  });

  it('treats the same parameters sent as JSON and as a form as the same request', async () => {
    const form = await call('POST', '/v1/charges', { form: charge('o-json'), idempotencyKey: 'o-json' });
    const json = await call('POST', '/v1/charges', {
      json: { amount: 1999, currency: 'usd', source: 'tok_visa', metadata: { order_id: 'o-json' } },
      idempotencyKey: 'o-json',
    });
    expect(json.body).toEqual(form.body);
    expect(await chargesFor('o-json')).toHaveLength(1);
  });

  it('refuses a key reused with different parameters', async () => {
    await call('POST', '/v1/charges', { form: charge('o-reuse'), idempotencyKey: 'o-reuse' });
    const reused = await call('POST', '/v1/charges', {
      form: charge('o-reuse', 'tok_visa', '5000'),
      idempotencyKey: 'o-reuse',
    });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(await chargesFor('o-reuse')).toHaveLength(1);
  });

  it('declines tok_chargeDeclined with 402 card_declined and replays the decline', async () => {
    const declined = await call('POST', '/v1/charges', {
      form: charge('o-decline', 'tok_chargeDeclined'),
      idempotencyKey: 'o-decline',
    });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({
      error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
    });
    const again = await call('POST', '/v1/charges', {
      form: charge('o-decline', 'tok_chargeDeclined'),
      idempotencyKey: 'o-decline',
    });
    expect(again.status).toBe(402);
    expect(again.body).toEqual(declined.body);
    const charges = await chargesFor('o-decline');
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'failed', paid: false });
  });

  it('never answers tok_timeout, so the client times out, and charges nothing', async () => {
    const attempt = call('POST', '/v1/charges', {
      form: charge('o-hang', 'tok_timeout'),
      idempotencyKey: 'o-hang',
      signal: AbortSignal.timeout(300),
    });
    await expect(attempt).rejects.toThrow(/abort|timeout/i);
    expect(await chargesFor('o-hang')).toHaveLength(0);
  });

  it('refuses a second request with a key still in progress, then frees the key when the first is dropped', async () => {
    const controller = new AbortController();
    const first = call('POST', '/v1/charges', {
      form: charge('o-busy', 'tok_timeout'),
      idempotencyKey: 'o-busy',
      signal: controller.signal,
    });
    first.catch(() => undefined);
    let busy: Reply | undefined;
    for (let attempt = 0; attempt < 50 && busy?.status !== 409; attempt += 1) {
      busy = await call('POST', '/v1/charges', {
        form: charge('o-busy', 'tok_timeout'),
        idempotencyKey: 'o-busy',
        signal: AbortSignal.timeout(100),
      }).catch(() => undefined);
    }
    expect(busy?.status).toBe(409);
    expect(busy?.body).toMatchObject({ error: { type: 'idempotency_error' } });
    controller.abort();
    await expect(first).rejects.toThrow();
  });

  it('closes a held connection unanswered after the hang time', async () => {
    const attempt = call('POST', '/v1/charges', {
      form: charge('o-hang-close', 'tok_timeout'),
      signal: AbortSignal.timeout(10_000),
    });
    await expect(attempt).rejects.toThrow(/fetch failed|socket|closed/i);
  });

  it('answers tok_gatewayError with a 500 api_error', async () => {
    const failed = await call('POST', '/v1/charges', { form: charge('o-500', 'tok_gatewayError') });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: { type: 'api_error' } });
  });

  it('validates parameters without saving the key, so a corrected retry executes', async () => {
    const small = await call('POST', '/v1/charges', {
      form: charge('o-valid', 'tok_visa', '10'),
      idempotencyKey: 'o-valid',
    });
    expect(small.status).toBe(400);
    expect(small.body).toMatchObject({ error: { code: 'amount_too_small', param: 'amount' } });
    const noCurrency = await call('POST', '/v1/charges', { form: { amount: '100', source: 'tok_visa' } });
    expect(noCurrency.body).toMatchObject({ error: { code: 'parameter_missing', param: 'currency' } });
    const unknownToken = await call('POST', '/v1/charges', { form: charge('o-valid', 'tok_nope') });
    expect(unknownToken.status).toBe(404);
    const corrected = await call('POST', '/v1/charges', {
      form: charge('o-valid'),
      idempotencyKey: 'o-valid',
    });
    expect(corrected.status).toBe(200);
  });

  it('refunds in part and in full, idempotently, and refuses refunding more than was charged', async () => {
    const created = await call('POST', '/v1/charges', { form: charge('o-refund', 'tok_visa', '3000') });
    const chargeId = created.body['id'] as string;
    const partial = await call('POST', '/v1/refunds', {
      form: { charge: chargeId, amount: '1000' },
      idempotencyKey: 'refund-part',
    });
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({
      object: 'refund',
      amount: 1000,
      charge: chargeId,
      status: 'succeeded',
    });
    const replay = await call('POST', '/v1/refunds', {
      form: { charge: chargeId, amount: '1000' },
      idempotencyKey: 'refund-part',
    });
    expect(replay.body).toEqual(partial.body);
    const tooMuch = await call('POST', '/v1/refunds', { form: { charge: chargeId, amount: '2500' } });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body).toMatchObject({ error: { code: 'amount_too_large' } });
    const rest = await call('POST', '/v1/refunds', {
      json: { charge: chargeId },
      idempotencyKey: 'refund-rest',
    });
    expect(rest.body).toMatchObject({ amount: 2000 });
    const after = await call('GET', `/v1/charges/${chargeId}`);
    expect(after.body).toMatchObject({ amount_refunded: 3000, refunded: true });
    const again = await call('POST', '/v1/refunds', { form: { charge: chargeId } });
    expect(again.body).toMatchObject({ error: { code: 'charge_already_refunded' } });
    const listed = await call('GET', `/v1/refunds?charge=${chargeId}`);
    expect(listed.body['data']).toHaveLength(2);
  });

  it('refuses a refund of an unknown charge with 404 resource_missing', async () => {
    const reply = await call('POST', '/v1/refunds', { form: { charge: 'ch_missing' } });
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing' } });
  });

  it('lists charges newest first with a limit, finds them by search, and sums them up', async () => {
    await call('POST', '/v1/charges', { form: charge('o-list-1') });
    await call('POST', '/v1/charges', { form: charge('o-list-2') });
    const listed = await call('GET', '/v1/charges?limit=2');
    const data = listed.body['data'] as Array<{ metadata: { order_id: string } }>;
    expect(data.map((c) => c.metadata.order_id)).toEqual(['o-list-2', 'o-list-1']);
    expect(listed.body['has_more']).toBe(true);
    const badLimit = await call('GET', '/v1/charges?limit=1000');
    expect(badLimit.status).toBe(400);
    const query = encodeURIComponent("metadata['order_id']:'o-list-1' AND status:'succeeded'");
    const found = await call('GET', `/v1/charges/search?query=${query}`);
    expect(found.body['data']).toHaveLength(1);
    const summary = await call('GET', '/v1/sandbox/summary');
    expect(summary.body).toMatchObject({ orders_charged_more_than_once: [], refunds: { amount: 3000 } });
    const charges = summary.body['charges'] as { succeeded: number; failed: number; total: number };
    expect(charges.total).toBe(charges.succeeded + charges.failed);
  });

  it('reports an order charged twice without a key in the summary', async () => {
    await call('POST', '/v1/charges', { form: charge('o-twice') });
    await call('POST', '/v1/charges', { form: charge('o-twice') });
    const summary = await call('GET', '/v1/sandbox/summary');
    expect(summary.body['orders_charged_more_than_once']).toEqual(['o-twice']);
  });

  it('answers 500 without charging when an error fault is injected, and charges on the retry', async () => {
    const set = await call('POST', '/v1/sandbox/faults', { form: { error_rate: '1' } });
    expect(set.body).toEqual({ error_rate: 1, drop_rate: 0, delay_ms: 0 });
    const failed = await call('POST', '/v1/charges', { form: charge('o-fault'), idempotencyKey: 'o-fault' });
    expect(failed.status).toBe(500);
    expect(await chargesFor('o-fault')).toHaveLength(0);
    await call('POST', '/v1/sandbox/faults', { form: { error_rate: '0' } });
    const retried = await call('POST', '/v1/charges', { form: charge('o-fault'), idempotencyKey: 'o-fault' });
    expect(retried.status).toBe(200);
    expect(await chargesFor('o-fault')).toHaveLength(1);
  });

  it('charges but drops the answer when a drop fault is injected; the retry with the key gets the saved charge', async () => {
    await call('POST', '/v1/sandbox/faults', { json: { drop_rate: 1 } });
    await expect(
      call('POST', '/v1/charges', { form: charge('o-drop'), idempotencyKey: 'o-drop' }),
    ).rejects.toThrow();
    await call('POST', '/v1/sandbox/faults', { json: { drop_rate: 0 } });
    const retried = await call('POST', '/v1/charges', { form: charge('o-drop'), idempotencyKey: 'o-drop' });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const charges = await chargesFor('o-drop');
    expect(charges).toHaveLength(1);
    expect(charges[0]?.['id']).toBe(retried.body['id']);
  });

  it('refuses a fault rate outside 0..1', async () => {
    const reply = await call('POST', '/v1/sandbox/faults', { form: { error_rate: '2' } });
    expect(reply.status).toBe(400);
    expect((await call('GET', '/v1/sandbox/faults')).body).toEqual({
      error_rate: 0,
      drop_rate: 0,
      delay_ms: 0,
    });
  });

  it('holds charges for delay_ms before executing them, then lets them through', async () => {
    await call('POST', '/v1/sandbox/faults', { form: { delay_ms: '300' } });
    const started = Date.now();
    try {
      const held = await call('POST', '/v1/charges', { form: charge('o-delay'), idempotencyKey: 'o-delay' });
      expect(held.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await call('POST', '/v1/sandbox/faults', { form: { delay_ms: '0' } });
    }
    expect(await chargesFor('o-delay')).toHaveLength(1);
    expect((await call('POST', '/v1/sandbox/faults', { form: { delay_ms: '-1' } })).status).toBe(400);
  });

  it('lists charges created at or after created[gte]', async () => {
    await call('POST', '/v1/charges', { form: charge('o-recent'), idempotencyKey: 'o-recent' });
    const future = Math.floor(Date.now() / 1000) + 3600;
    const none = await call('GET', `/v1/charges?created[gte]=${future}&limit=100`);
    expect(none.body['data']).toEqual([]);
    const all = await call('GET', `/v1/charges?created[gte]=0&limit=100`);
    expect((all.body['data'] as unknown[]).length).toBeGreaterThan(0);
    expect((await call('GET', '/v1/charges?created[gte]=soon')).status).toBe(400);
  });
});
