import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeMesh, TEST_ISSUER, TOKENS } from './test-fake-mesh.js';
import { getJson, gatewayServers, postJson } from './test-http.js';
import { TestTokenIssuer } from './test-token-issuer.js';

const gateways = gatewayServers();
afterAll(() => gateways.close());
afterEach(() => gateways.tokenCheck().stop());

const order = (id: string, userId = 'user-1') => ({
  order_id: id,
  user_id: userId,
  items: [{ sku: 'ITEM-1', quantity: 1 }],
});

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('api-gateway: bearer tokens verified locally with auth-agent’s published keys', () => {
  it('makes no call to auth per request', async () => {
    const mesh = new FakeMesh();
    const url = await gateways.start(mesh);
    const before = mesh.authCalls();
    for (let i = 0; i < 20; i += 1) {
      expect((await postJson(`${url}/orders`, order(`no-call-${i}`))).status).toBe(200);
    }
    expect(mesh.authCalls()).toBe(before);
  });

  it('answers 503 AUTH_UNAVAILABLE, not 401, before it holds a key set, and is not ready', async () => {
    const mesh = new FakeMesh();
    mesh.authDown = true;
    const url = await gateways.start(mesh, { tokensSynced: false });
    await gateways.tokenCheck().sync();
    const refused = await postJson(`${url}/orders`, order('early'));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('AUTH_UNAVAILABLE');
    expect(refused.headers.get('retry-after')).toBe('3');
    expect((await getJson(`${url}/ready`)).status).toBe(503);
    mesh.authDown = false;
    await gateways.tokenCheck().sync();
    expect((await postJson(`${url}/orders`, order('later'))).status).toBe(200);
    expect((await getJson(`${url}/ready`)).status).toBe(200);
  });

  it('refuses a token signed by another key, alg none, and an expired token with 401', async () => {
    const url = await gateways.start(new FakeMesh());
    const stranger = new TestTokenIssuer();
    const [, payload] = TOKENS.admin.split('.');
    const tokens = {
      otherKey: stranger.token({ sub: 'user-1' }),
      otherKeyKnownKid: stranger.token({ sub: 'user-1' }, {}, { kid: TEST_ISSUER.currentKid }),
      algNone: `${encode({ alg: 'none', typ: 'JWT', kid: TEST_ISSUER.currentKid })}.${payload}.`,
      expired: TEST_ISSUER.token({ sub: 'user-1' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const answer = await postJson(`${url}/orders`, order(`bad-${name}`), token);
      expect([name, answer.status, answer.body.error?.code]).toEqual([name, 401, 'UNAUTHORIZED']);
    }
  });

  it('refuses a revoked token within one revocation poll (the bound: AUTH_REVOCATION_POLL plus a call)', async () => {
    const mesh = new FakeMesh();
    const url = await gateways.start(mesh, { revocationPollMs: 200 });
    gateways.tokenCheck().start();
    const token = TEST_ISSUER.token({ sub: 'user-1', scope: 'orders:write' });
    expect((await postJson(`${url}/orders`, order('before-revoke'), token)).status).toBe(200);
    mesh.revoke(token);
    const revokedAt = Date.now();
    let status = 200;
    for (let attempt = 0; attempt < 40 && status === 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await postJson(`${url}/orders`, order(`after-revoke-${attempt}`), token)).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(200 + 300);
    expect((await postJson(`${url}/orders`, order('others-still-work'))).status).toBe(200);
  });

  it('accepts tokens of the previous key after a rotation, and fetches a new kid once when it first appears', async () => {
    const issuer = new TestTokenIssuer();
    const mesh = new FakeMesh(issuer);
    const url = await gateways.start(mesh);
    const old = issuer.token({ sub: 'user-1' });
    issuer.rotate();
    const fresh = issuer.token({ sub: 'user-1' });
    const fetches = mesh.count('signingKeys');
    expect((await postJson(`${url}/orders`, order('rot-new'), fresh)).status).toBe(200);
    expect(mesh.count('signingKeys')).toBe(fetches + 1);
    expect((await postJson(`${url}/orders`, order('rot-old'), old)).status).toBe(200);
    expect((await postJson(`${url}/orders`, order('rot-new-2'), fresh)).status).toBe(200);
    expect(mesh.count('signingKeys')).toBe(fetches + 1);
  });

  it('keeps accepting valid tokens while auth is down, and says so in /health', async () => {
    const mesh = new FakeMesh();
    const url = await gateways.start(mesh);
    mesh.authDown = true;
    await gateways.tokenCheck().sync();
    expect((await postJson(`${url}/orders`, order('auth-down'))).status).toBe(200);
    const health = await getJson(`${url}/health`);
    expect(health.body.tokens.keys).toMatchObject({
      ready: true,
      lastFailure: expect.any(String),
      failures: 1,
    });
    expect(health.body.tokens.revocations).toMatchObject({ ready: true, lastFailure: expect.any(String) });
  });
});
