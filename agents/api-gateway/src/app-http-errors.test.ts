import { request } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeMesh, TOKENS } from './test-fake-mesh.js';
import { gatewayServers, type Json } from './test-http.js';

const servers = gatewayServers();
afterAll(() => servers.close());

const order = (id: string) => ({ order_id: id, user_id: 'user-1', items: [{ sku: 'ITEM-1', quantity: 1 }] });

/** Sends a request as given (raw body, any method) and reads the answer as text. */
async function send(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Json }> {
  const token = init.token === undefined ? TOKENS.user1 : init.token;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Json };
}

/** A POST whose body goes out in chunks without a Content-Length, so only reading it can find it too large. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.user1}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('api-gateway: answers for what no route handles', () => {
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await servers.start(mesh);
  });

  it('answers an unknown route with a JSON 404 naming the method and path', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['POST', '/orders/o-1/cancel'],
      ['GET', '/ORDERS/o-1'],
    ] as const) {
      const answer = await send(`${base}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.json()).toEqual({
        error: {
          code: 'NOT_FOUND',
          message: `no route for ${method} ${path}`,
          requestId: expect.any(String),
        },
      });
    }
  });

  it('answers a wrong method with 405 and Allow listing the methods of the path', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/orders', 'POST'],
      ['PUT', '/orders/o-1', 'GET, HEAD'],
      ['GET', '/auth/login', 'POST'],
      ['POST', '/products', 'GET, HEAD'],
      ['OPTIONS', '/orders', 'POST'],
      ['POST', '/health', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await send(`${base}${path}`, { method });
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.get('allow')).toBe(allow);
      expect(answer.json().error).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    expect(mesh.count('processOrder')).toBe(0);
  });

  it('serves HEAD where GET is served, without a body', async () => {
    const answer = await send(`${base}/health`, { method: 'HEAD', token: null });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });

  it('allows a trailing slash', async () => {
    expect(
      (await send(`${base}/orders/`, { method: 'POST', body: JSON.stringify(order('slash')) })).status,
    ).toBe(200);
  });
});

describe('api-gateway: bodies it cannot read', () => {
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await servers.start(mesh);
  });

  it.each(['/orders', '/auth/login'])(
    'answers malformed JSON on %s with 400 and the reason, in JSON',
    async (path) => {
      const answer = await send(`${base}${path}`, { method: 'POST', body: '{"order_id": ' });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const { error } = answer.json();
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^malformed JSON: /);
      expect(answer.text).not.toMatch(/<html|at JSON\.parse/i);
      expect(mesh.count('processOrder')).toBe(0);
    },
  );

  it('answers an empty body with 400', async () => {
    const answer = await send(`${base}/orders`, { method: 'POST', body: '' });
    expect(answer.status).toBe(400);
    expect(answer.json().error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'request body is empty; expected JSON',
    });
  });

  it('answers a body over the limit with 413, whether Content-Length says so or reading finds it', async () => {
    const padded = JSON.stringify({ ...order('big'), pad: 'x'.repeat(5_000) });
    const declared = await send(`${base}/orders`, { method: 'POST', body: padded });
    expect(declared.status).toBe(413);
    expect(declared.json().error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'body exceeds 4096 bytes',
    });
    const streamed = await postChunked(`${base}/orders`, [padded.slice(0, 3_000), padded.slice(3_000)]);
    expect(streamed.status).toBe(413);
    expect(streamed.body['error']).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(mesh.count('processOrder')).toBe(0);
    // A chunked body within the limit is read as any other.
    const body = JSON.stringify(order('chunked'));
    expect((await postChunked(`${base}/orders`, [body.slice(0, 10), body.slice(10)])).status).toBe(200);
  });

  it('answers a compressed body with 415 rather than unpacking it', async () => {
    const answer = await send(`${base}/orders`, {
      method: 'POST',
      body: JSON.stringify(order('gz')),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(answer.status).toBe(415);
    expect(answer.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 401 without reading the body of a request without a token', async () => {
    const answer = await send(`${base}/orders`, { method: 'POST', body: '{"broken', token: null });
    expect(answer.status).toBe(401);
  });

  it('answers an unexpected fault with a JSON 500 that says no more than "internal error"', async () => {
    mesh.getUser = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')"));
    const answer = await send(`${base}/users/user-1`);
    expect(answer.status).toBe(500);
    expect(answer.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', requestId: expect.any(String) },
    });
    expect((await send(`${base}/health`, { token: null })).status).toBe(200);
  });
});
