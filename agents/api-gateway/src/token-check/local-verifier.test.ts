import { codeOf } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/common';
import { TestTokenIssuer, jtiOf } from '../test-token-issuer.js';
import { KeySet } from './key-set.js';
import { createLocalVerifier } from './local-verifier.js';
import { RevocationList } from './revocation-list.js';

/** auth as the gateway sees it: a key set and a revocation log, both of which can go down. */
function fakeAuth(now: () => number) {
  const issuer = new TestTokenIssuer(now);
  const revoked: { jti: string; expires_at: string }[] = [];
  const auth = {
    issuer,
    down: false,
    keyFetches: 0,
    polls: 0,
    revoke(token: string) {
      revoked.push({ jti: jtiOf(token), expires_at: new Date(now() + 3_600_000).toISOString() });
    },
    async fetchKeys() {
      auth.keyFetches += 1;
      if (auth.down) throw new MeshError('CONNECTION_FAILED', 'auth-agent is down');
      return issuer.keySet();
    },
    async poll(cursor: string | undefined) {
      auth.polls += 1;
      if (auth.down) throw new MeshError('CONNECTION_FAILED', 'auth-agent is down');
      const after = Number(cursor ?? '0');
      return { revocations: revoked.slice(after), cursor: String(revoked.length), more: false };
    },
  };
  return auth;
}

function setup() {
  let clock = Date.UTC(2026, 0, 1, 12);
  const now = () => clock;
  const auth = fakeAuth(now);
  const warnings: string[] = [];
  const logger = { warn: (_obj: unknown, msg: string) => warnings.push(msg), info: () => undefined };
  const keys = new KeySet({
    fetch: () => auth.fetchKeys(),
    refreshMs: 60_000,
    unknownKidRefetchMs: 1_000,
    now,
    logger,
  });
  const revocations = new RevocationList({
    poll: (cursor) => auth.poll(cursor),
    intervalMs: 1_000,
    now,
    logger,
  });
  const verifier = createLocalVerifier({ keys, revocations, now });
  return { auth, keys, revocations, verifier, warnings, advance: (ms: number) => (clock += ms) };
}

describe('local token verification', () => {
  it('answers AUTH_UNAVAILABLE (503), not UNAUTHORIZED, before it holds a key set', async () => {
    const { auth, verifier, keys, revocations } = setup();
    const token = auth.issuer.token({ sub: 'user-1' });
    const refusal = await verifier.verify(token).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'AUTH_UNAVAILABLE' });
    await Promise.all([keys.refresh(), revocations.poll()]);
    await expect(verifier.verify(token)).resolves.toMatchObject({ user_id: 'user-1' });
  });

  it('verifies a burst of requests without asking auth', async () => {
    const { auth, verifier, keys, revocations } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    const before = { keys: auth.keyFetches, polls: auth.polls };
    const token = auth.issuer.token({ sub: 'user-1', scope: 'orders:write' });
    for (let i = 0; i < 100; i += 1) {
      await expect(verifier.verify(token)).resolves.toMatchObject({
        user_id: 'user-1',
        scopes: ['orders:write'],
      });
    }
    expect({ keys: auth.keyFetches, polls: auth.polls }).toEqual(before);
  });

  it('refuses a revoked token from the first poll after the revocation (within one poll interval)', async () => {
    const { auth, verifier, keys, revocations, advance } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    const token = auth.issuer.token({ sub: 'user-1' });
    const other = auth.issuer.token({ sub: 'user-1' });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    auth.revoke(token);
    advance(1_000);
    await revocations.poll();
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHORIZED');
    await expect(verifier.verify(other)).resolves.toBeDefined();
  });

  it('accepts tokens of the previous key after a rotation until they expire', async () => {
    const { auth, verifier, keys, revocations, advance } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    const old = auth.issuer.token({ sub: 'user-1', ttlSeconds: 600 });
    auth.issuer.rotate();
    await keys.refresh();
    const fresh = auth.issuer.token({ sub: 'user-2' });
    await expect(verifier.verify(old)).resolves.toMatchObject({ user_id: 'user-1' });
    await expect(verifier.verify(fresh)).resolves.toMatchObject({ user_id: 'user-2' });
    advance(606_000);
    expect(await codeOf(verifier.verify(old))).toBe('UNAUTHORIZED');
  });

  it('refuses a token seen before once its key is withdrawn from the published set', async () => {
    const { auth, verifier, keys, revocations } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    const token = auth.issuer.token({ sub: 'user-1' });
    const old = auth.issuer.currentKid;
    await expect(verifier.verify(token)).resolves.toBeDefined();
    auth.issuer.rotate();
    auth.issuer.retire(old);
    await keys.refresh();
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHORIZED');
  });

  it('refetches the key set once for an unknown kid, and at most once a second for a flood of them', async () => {
    const { auth, verifier, keys, revocations } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    auth.issuer.rotate(); // a key the gateway has not fetched yet
    const fetches = auth.keyFetches;
    await expect(verifier.verify(auth.issuer.token({ sub: 'user-1' }))).resolves.toBeDefined();
    expect(auth.keyFetches).toBe(fetches + 1);
    const stranger = new TestTokenIssuer();
    for (let i = 0; i < 20; i += 1) {
      expect(await codeOf(verifier.verify(stranger.token({ sub: 'mallory' })))).toBe('UNAUTHORIZED');
    }
    expect(auth.keyFetches).toBe(fetches + 1);
  });

  it('keeps accepting valid tokens with the cached keys while auth is down, and says so', async () => {
    const { auth, verifier, keys, revocations, warnings, advance } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    auth.down = true;
    advance(120_000);
    await Promise.all([keys.refresh(), revocations.poll()]);
    await expect(verifier.verify(auth.issuer.token({ sub: 'user-1' }))).resolves.toBeDefined();
    expect(warnings.some((line) => line.includes('cached'))).toBe(true);
    expect(keys.status()).toMatchObject({ ready: true, lastFailure: expect.any(String) });
    expect(revocations.status()).toMatchObject({ ready: true, lastFailure: expect.any(String) });
  });

  it('refuses a token signed by another key and an expired one', async () => {
    const { auth, verifier, keys, revocations, advance } = setup();
    await Promise.all([keys.refresh(), revocations.poll()]);
    const stranger = new TestTokenIssuer();
    expect(
      await codeOf(verifier.verify(stranger.token({ sub: 'user-1' }, {}, { kid: auth.issuer.currentKid }))),
    ).toBe('UNAUTHORIZED');
    const short = auth.issuer.token({ sub: 'user-1', ttlSeconds: 30 });
    advance(36_000);
    expect(await codeOf(verifier.verify(short))).toBe('UNAUTHORIZED');
  });
});
