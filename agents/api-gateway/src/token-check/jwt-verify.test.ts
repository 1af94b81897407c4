import { createHmac, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestTokenIssuer } from '../test-token-issuer.js';
import { verificationKeys } from './verification-key.js';
import { verifyJwt, type JwtExpectations } from './jwt-verify.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const issuer = new TestTokenIssuer(() => NOW);
const keys = verificationKeys(issuer.keySet());
const keyOf = (kid: string) => keys.get(kid);
const expectations = (at = NOW): JwtExpectations => ({
  issuer: 'mesh-auth',
  audience: 'mesh',
  leewaySeconds: 5,
  now: at,
});
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];

describe('verifyJwt', () => {
  it('accepts a token auth signed and reads its subject, scopes, id and expiry', () => {
    const token = issuer.token({ sub: 'user-1', scope: 'orders:read admin' }, { preferred_username: 'ann' });
    const result = verifyJwt(token, keyOf, expectations());
    expect(result).toMatchObject({
      ok: true,
      claims: { sub: 'user-1', scopes: ['orders:read', 'admin'], username: 'ann', exp: NOW / 1000 + 3600 },
    });
  });

  it('refuses a token signed by another key, even with a known kid', () => {
    const stranger = new TestTokenIssuer(() => NOW);
    expect(verifyJwt(stranger.token({ sub: 'u' }), keyOf, expectations())).toMatchObject({
      ok: false,
      reason: 'unknown_kid',
    });
    const forged = stranger.token({ sub: 'u' }, {}, { kid: issuer.currentKid });
    expect(verifyJwt(forged, keyOf, expectations())).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a tampered payload', () => {
    const [header, payload, signature] = parts(issuer.token({ sub: 'u', scope: 'orders:read' }));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
    const tampered = `${header}.${encode({ ...claims, scope: 'admin' })}.${signature}`;
    expect(verifyJwt(tampered, keyOf, expectations())).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses alg none, and HS256 keyed with the published public key (algorithm confusion)', () => {
    const [, payload] = parts(issuer.token({ sub: 'u', scope: 'admin' }));
    const kid = issuer.currentKid;
    const none = `${encode({ alg: 'none', typ: 'JWT', kid })}.${payload}.`;
    expect(verifyJwt(none, keyOf, expectations())).toMatchObject({ ok: false, reason: 'bad_alg' });
    const jwk = issuer.keySet().keys[0]!.jwk;
    const pem = createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
    for (const secret of [Buffer.from(jwk.x, 'base64url'), Buffer.from(pem), Buffer.from(jwk.x)]) {
      const input = `${encode({ alg: 'HS256', typ: 'JWT', kid })}.${payload}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expect(verifyJwt(`${input}.${mac}`, keyOf, expectations())).toMatchObject({
        ok: false,
        reason: 'bad_alg',
      });
    }
  });

  it('refuses an expired token past the leeway, and one not valid yet', () => {
    const token = issuer.token({ sub: 'u', ttlSeconds: 60 });
    expect(verifyJwt(token, keyOf, expectations(NOW + 64_000)).ok).toBe(true);
    expect(verifyJwt(token, keyOf, expectations(NOW + 65_000))).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    const early = issuer.token({ sub: 'u' }, { nbf: NOW / 1000 + 60 });
    expect(verifyJwt(early, keyOf, expectations())).toMatchObject({ ok: false, reason: 'not_yet_valid' });
  });

  it('refuses another issuer or audience, missing claims and critical headers it does not know', () => {
    const check = (token: string) => verifyJwt(token, keyOf, expectations());
    expect(check(issuer.token({ sub: 'u' }, { iss: 'elsewhere' }))).toMatchObject({ reason: 'wrong_issuer' });
    expect(check(issuer.token({ sub: 'u' }, { aud: ['other'] }))).toMatchObject({ reason: 'wrong_audience' });
    expect(check(issuer.token({ sub: 'u' }, { aud: ['other', 'mesh'] })).ok).toBe(true);
    expect(check(issuer.token({ sub: 'u' }, { exp: null }))).toMatchObject({ reason: 'missing_claims' });
    expect(check(issuer.token({ sub: 'u' }, { jti: null }))).toMatchObject({ reason: 'missing_claims' });
    expect(check(issuer.token({ sub: 'u' }, {}, { crit: ['exp'] }))).toMatchObject({ reason: 'malformed' });
  });

  it('refuses what is not a compact JWS', () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${encode('x')}.${encode({})}.`]) {
      expect(verifyJwt(token, keyOf, expectations()).ok, token).toBe(false);
    }
  });
});
