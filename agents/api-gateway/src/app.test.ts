import { MeshError, captureLog, createLogger } from '@mesh/common';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMesh, TOKENS, orderRecord } from './test-fake-mesh.js';
import { gatewayServers, type TestGatewaySettings } from './test-http.js';

/** Loose JSON for assertions on response bodies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const gateways = gatewayServers();
const gateway = (mesh: FakeMesh, settings?: TestGatewaySettings): Promise<string> =>
  gateways.start(mesh, settings);

afterAll(() => gateways.close());

const seedOrder = (id: string, userId = 'user-1') => ({
  order_id: id,
  user_id: userId,
  items: [{ sku: 'ITEM-1', quantity: 1 }],
  total: 99.99,
});

async function post(
  url: string,
  body: unknown,
  token: string | null = TOKENS.user1,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

async function get(url: string, token: string | null = TOKENS.user1) {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

describe('api-gateway HTTP app', () => {
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await gateway(mesh);
  });

  it('answers 200 with status, order_id and payment_id for a completed order', async () => {
    const response = await post(`${base}/orders`, seedOrder('g-1'), TOKENS.user1, {
      'x-request-id': 'req-123',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'completed',
      order_id: 'g-1',
      payment_id: 'pay-g-1',
      replayed: false,
    });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const call = mesh.calls.find((c) => c.op === 'processOrder');
    expect(call?.options.trace.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(call?.options.timeoutMs).toBe(45_000);
  });

  it('answers 401 with the error shape when the token is missing or bad', async () => {
    const missing = await post(`${base}/orders`, seedOrder('g-2'), null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body).toEqual({
      error: {
        code: 'UNAUTHORIZED',
        message: expect.stringContaining('bearer'),
        requestId: expect.any(String),
      },
    });
    const bad = await post(`${base}/orders`, seedOrder('g-2'), 'tok-forged');
    expect(bad.status).toBe(401);
    expect(mesh.count('processOrder')).toBe(0);
  });

  it.each([
    ['order_id', { ...seedOrder('x'), order_id: undefined }],
    ['user_id', { ...seedOrder('x'), user_id: 42 }],
    ['items', { ...seedOrder('x'), items: [] }],
    ['items[0].quantity', { ...seedOrder('x'), items: [{ sku: 'ITEM-1', quantity: 0 }] }],
    ['items[0].quantity', { ...seedOrder('x'), items: [{ sku: 'ITEM-1', quantity: 1.5 }] }],
    ['items[0].sku', { ...seedOrder('x'), items: [{ quantity: 1 }] }],
    ['total', { ...seedOrder('x'), total: -1 }],
    ['total', { ...seedOrder('x'), total: '99.99' }],
    ['body', [1, 2, 3]],
  ])('answers 400 naming %s for a bad payload', async (field, body) => {
    const response = await post(`${base}/orders`, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.field).toBe(field);
    expect(response.body.error.message.startsWith(`${field}:`)).toBe(true);
    expect(mesh.count('processOrder')).toBe(0);
  });

  it('answers 400 for malformed JSON and 413 for an oversized body, and keeps serving', async () => {
    expect((await post(`${base}/orders`, '{"order_id": ')).status).toBe(400);
    const huge = { ...seedOrder('big'), pad: 'x'.repeat(10_000) };
    expect((await post(`${base}/orders`, huge)).status).toBe(413);
    expect((await post(`${base}/orders`, seedOrder('after'))).status).toBe(200);
  });

  it('answers 402 for a declined card and 409 when out of stock, with status failed', async () => {
    mesh.outcome = { code: 'PAYMENT_DECLINED', message: 'payment declined (card_declined)' };
    const declined = await post(`${base}/orders`, seedOrder('g-3'));
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({
      status: 'failed',
      order_id: 'g-3',
      error: { code: 'PAYMENT_DECLINED', requestId: expect.any(String) },
    });
    mesh.outcome = { code: 'OUT_OF_STOCK', message: 'not enough stock' };
    expect((await post(`${base}/orders`, seedOrder('g-4'))).status).toBe(409);
  });

  it('answers 503 with Retry-After when the order was never taken (no provider, store down at create)', async () => {
    mesh.orderError = new MeshError('DEPENDENCY_UNAVAILABLE', 'no provider of order_processing');
    const down = await post(`${base}/orders`, seedOrder('g-5'));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('3');
    expect(down.body.error.code).toBe('DEPENDENCY_UNAVAILABLE');
    mesh.orderError = new MeshError('STORAGE_ERROR', 'db down', {
      data: { remote: true, order_recorded: false },
    });
    const store = await post(`${base}/orders`, seedOrder('g-7'));
    expect(store.status).toBe(503);
    expect(store.headers.get('retry-after')).toBe('3');
  });

  it('answers an order that failed for an outage (503) with Retry-After too, as every 503', async () => {
    mesh.outcome = { code: 'DEPENDENCY_UNAVAILABLE', message: 'payment unavailable; compensated' };
    const failed = await post(`${base}/orders`, seedOrder('g-7a'));
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'DEPENDENCY_UNAVAILABLE' } });
    expect(failed.headers.get('retry-after')).toBe('3');
  });

  it('answers 503, not 500, when an upstream agent fails unexpectedly (its database down)', async () => {
    mesh.orderError = new MeshError('INTERNAL', 'user_get failed unexpectedly', {
      data: { remote: true, notProcessed: true },
    });
    const answer = await post(`${base}/orders`, seedOrder('g-7b'));
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('3');
  });

  it('answers 202 pending with a Location when the outcome is not known, never an error', async () => {
    mesh.orderError = new MeshError('TIMEOUT', 'deadline passed');
    const unknown = await post(`${base}/orders`, seedOrder('g-6'));
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual({ status: 'pending', order_id: 'g-6' });
    expect(unknown.headers.get('location')).toBe('/orders/g-6');
    // Recorded and still running (a failure after the order was written): pending as well.
    mesh.orders.set(
      'g-6b',
      orderRecord({ order_id: 'g-6b', user_id: 'user-1', status: 'processing', state: 'charged' }),
    );
    mesh.orderError = new MeshError('STORAGE_ERROR', 'db down mid-saga', { data: { remote: true } });
    expect((await post(`${base}/orders`, seedOrder('g-6b'))).status).toBe(202);
  });

  it('answers with the outcome when the call failed but the order is already decided', async () => {
    mesh.orders.set(
      'g-6c',
      orderRecord({
        order_id: 'g-6c',
        user_id: 'user-1',
        status: 'completed',
        state: 'completed',
        payment_id: 'pay-g-6c',
      }),
    );
    mesh.orderError = new MeshError('CONNECTION_FAILED', 'reset', { data: { outcomeUnknown: true } });
    const answer = await post(`${base}/orders`, seedOrder('g-6c'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'completed', payment_id: 'pay-g-6c', replayed: true });
  });

  it('sends an order again when its order agent dropped the connection before storing it', async () => {
    // The agent died mid-call: the order is nowhere. Once an order agent answers again, the same order goes
    // through (replay-safe by order_id) instead of a 202 for an order that would never exist.
    const dropped = new MeshError('CONNECTION_FAILED', 'socket hang up', { data: { outcomeUnknown: true } });
    mesh.orderError = dropped;
    setTimeout(() => (mesh.orderError = undefined), 600);
    const answer = await post(`${base}/orders`, seedOrder('g-6d'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'completed', order_id: 'g-6d' });
    expect(mesh.calls.filter((c) => c.op === 'processOrder').length).toBeGreaterThan(1);
  });

  it('sheds requests over the in-flight limit with 503 and Retry-After, and still answers probes', async () => {
    const slow = new FakeMesh();
    const url = await gateway(slow, { maxInFlight: 2 });
    let release = (): void => undefined;
    slow.orderGate = new Promise<void>((resolve) => (release = resolve));
    const held = [post(`${url}/orders`, seedOrder('s-1')), post(`${url}/orders`, seedOrder('s-2'))];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const shed = await post(`${url}/orders`, seedOrder('s-3'));
    expect(shed.status).toBe(503);
    expect(shed.body.error.code).toBe('OVERLOADED');
    expect(shed.headers.get('retry-after')).toBe('3');
    expect((await get(`${url}/health`, null)).status).toBe(200);
    release();
    for (const answer of await Promise.all(held)) expect(answer.status).toBe(200);
    expect((await post(`${url}/orders`, seedOrder('s-4'))).status).toBe(200);
  });

  it('queues a burst over the in-flight limit and serves it in arrival order, shedding only past the queue', async () => {
    // The seed's burst: far more concurrent orders than the in-flight limit, every one to be served.
    const slow = new FakeMesh();
    const url = await gateway(slow, { maxInFlight: 2, maxQueued: 3 });
    let release = (): void => undefined;
    slow.orderGate = new Promise<void>((resolve) => (release = resolve));
    const served: string[] = [];
    const order = (id: string) =>
      post(`${url}/orders`, seedOrder(id)).then((answer) => {
        served.push(id);
        return answer;
      });
    const held = [order('q-1'), order('q-2')];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = [order('q-3'), order('q-4'), order('q-5')];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const shed = await post(`${url}/orders`, seedOrder('q-6'));
    expect(shed.status).toBe(503);
    expect(shed.body.error.code).toBe('OVERLOADED');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_queued_requests 3$/m);
    expect(metrics).toMatch(/^gateway_shed_total 1$/m);
    release();
    for (const answer of await Promise.all([...held, ...queued])) expect(answer.status).toBe(200);
    expect(served.slice(2)).toEqual(['q-3', 'q-4', 'q-5']);
    expect(slow.calls.filter((call) => call.op === 'processOrder')).toHaveLength(5);
  });

  it('sheds a queued request that waited past the queue timeout, and forgets one whose client left', async () => {
    const slow = new FakeMesh();
    const url = await gateway(slow, { maxInFlight: 1, maxQueued: 5, queueTimeoutMs: 300 });
    let release = (): void => undefined;
    slow.orderGate = new Promise<void>((resolve) => (release = resolve));
    const held = post(`${url}/orders`, seedOrder('t-1'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const gone = new AbortController();
    const left = fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.user1}` },
      body: JSON.stringify(seedOrder('t-left')),
      signal: gone.signal,
    }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    gone.abort();
    expect(await left).toBe('aborted');
    const started = Date.now();
    const late = await post(`${url}/orders`, seedOrder('t-2'));
    expect(late.status).toBe(503);
    expect(late.body.error.code).toBe('OVERLOADED');
    expect(late.body.error.message).toMatch(/waited/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    release();
    expect((await held).status).toBe(200);
    expect((await post(`${url}/orders`, seedOrder('t-3'))).status).toBe(200);
    // t-1 and t-3 only: the client that left was never sent on, the one that waited too long neither.
    expect(slow.calls.filter((call) => call.op === 'processOrder')).toHaveLength(2);
  });

  it('logs a burst of shed requests as one line a second, not one each, and still answers each with its id', async () => {
    const slow = new FakeMesh();
    const log = captureLog();
    const logger = createLogger({ name: 'api-gateway', level: 'info', destination: log.destination });
    const url = await gateway(slow, { maxInFlight: 1, logger });
    let release = (): void => undefined;
    slow.orderGate = new Promise<void>((resolve) => (release = resolve));
    const held = post(`${url}/orders`, seedOrder('burst-held'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const shed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`${url}/orders`, seedOrder(`burst-shed-${i}`))),
    );
    expect(shed.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 503));
    expect(new Set(shed.map((answer) => answer.body.error.requestId as string)).size).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    release();
    expect((await held).status).toBe(200);
    expect(log.lines.filter((line) => line['msg'] === 'request failed')).toEqual([]);
    const shedLines = log.lines.filter((line) => line['code'] === 'OVERLOADED');
    expect(shedLines.length).toBeGreaterThanOrEqual(1);
    expect(shedLines.length).toBeLessThanOrEqual(2);
    expect(shedLines.reduce((sum, line) => sum + (line['shed'] as number), 0)).toBe(20);
  });

  it('answers 403 when the body names another user', async () => {
    const response = await post(`${base}/orders`, seedOrder('g-8', 'user-2'));
    expect(response.status).toBe(403);
    expect((await post(`${base}/orders`, seedOrder('g-9', 'user-2'), TOKENS.admin)).status).toBe(200);
    expect((await post(`${base}/orders`, seedOrder('g-10', 'user-3'), TOKENS.readonly)).status).toBe(403);
  });

  it('shows an order to its owner and 404 to anyone else or for an unknown id', async () => {
    await post(`${base}/orders`, seedOrder('g-11'));
    expect(await get(`${base}/orders/g-11`)).toMatchObject({ status: 200, body: { order_id: 'g-11' } });
    expect((await get(`${base}/orders/g-11`, TOKENS.user2)).status).toBe(404);
    const unknown = await get(`${base}/orders/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('verifies tokens itself: a burst of requests makes no call to auth', async () => {
    const before = mesh.authCalls();
    for (let i = 0; i < 5; i += 1) await post(`${base}/orders`, seedOrder(`burst-${i}`));
    expect(mesh.count('processOrder')).toBe(5);
    expect(mesh.authCalls()).toBe(before);
  });

  it('answers 429 with Retry-After past the per-client limit, per token subject', async () => {
    const limited = await gateway(mesh, { rateLimit: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await post(`${limited}/orders`, seedOrder(`rl-${i}`))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await post(`${limited}/orders`, seedOrder('rl-x'));
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post(`${limited}/orders`, seedOrder('rl-other', 'user-2'), TOKENS.user2)).status).toBe(200);
  });

  it("hands the auth agent the client's address, from X-Forwarded-For only behind a trusted proxy", async () => {
    const login = { username: 'user-1', password: 'demo' };
    expect((await post(`${base}/auth/login`, login, null)).status).toBe(200);
    const forwarded = { 'x-forwarded-for': '192.0.2.1, 203.0.113.9' };
    expect((await post(`${base}/auth/login`, login, null, forwarded)).status).toBe(200);
    const untrusting = await gateway(mesh, { trustedProxies: 'none' });
    expect((await post(`${untrusting}/auth/login`, login, null, forwarded)).status).toBe(200);
    expect(mesh.logins.map((l) => l.client_address)).toEqual(['127.0.0.1', '203.0.113.9', '127.0.0.1']);
  });

  it("answers 429 with the auth agent's Retry-After when logins from a client must wait", async () => {
    const response = await post(`${base}/auth/login`, { username: 'throttled', password: 'demo' }, null);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('8');
    expect(response.body.error.code).toBe('RATE_LIMITED');
  });

  it('passes logins through and answers 401 for bad credentials', async () => {
    const ok = await post(`${base}/auth/login`, { username: 'user-1', password: 'demo' }, null);
    expect(ok).toMatchObject({ status: 200, body: { access_token: 'tok-user-1', token_type: 'Bearer' } });
    expect((await post(`${base}/auth/login`, { username: 'user-1', password: 'nope' }, null)).status).toBe(
      401,
    );
    expect((await post(`${base}/auth/login`, { username: 'user-1' }, null)).body.error.field).toBe(
      'password',
    );
  });

  it('serves a user their own profile only', async () => {
    expect((await get(`${base}/users/user-1`)).body).toMatchObject({ id: 'user-1' });
    expect((await get(`${base}/users/user-2`)).status).toBe(403);
    expect((await get(`${base}/users/ghost`, TOKENS.admin)).status).toBe(404);
  });

  it('reports health with dependency availability and 503 when a required one is missing', async () => {
    const healthy = await get(`${base}/health`, null);
    expect(healthy).toMatchObject({
      status: 200,
      body: { status: 'ok', dependencies: { order_processing: { available: true, providers: 1 } } },
    });
    mesh.available = { ...mesh.available, order_processing: 0 };
    const degraded = await get(`${base}/health`, null);
    expect(degraded).toMatchObject({ status: 503, body: { status: 'degraded' } });
    expect((await get(`${base}/ready`, null)).status).toBe(503);
  });

  it('answers 404 for unknown routes, 405 for wrong methods, 400 for broken paths', async () => {
    expect((await get(`${base}/nowhere`)).status).toBe(404);
    const wrong = await fetch(`${base}/orders`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await get(`${base}/orders/%E0%A4%A`)).status).toBe(400);
    const text = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.user1}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
  });
});
