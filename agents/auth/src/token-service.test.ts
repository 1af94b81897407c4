import { createPublicKey } from 'node:crypto';
import { codeOf } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { MemorySharedStore } from '@mesh/backends';
import { memoryTokens } from './memory-tokens.js';
import type { TokenServiceOptions } from './token-service.js';

function setup(overrides: Partial<TokenServiceOptions> = {}) {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const { tokens, keys, revocationLog } = memoryTokens({
    ttlSeconds: 3600,
    now,
    ...(overrides.revocations ? { revocations: overrides.revocations } : {}),
    overrides,
  });
  return { service: tokens, keys, revocationLog, advance: (ms: number) => (clock += ms) };
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token service', () => {
  it('issues a token that verifies with its subject, scopes and expiry', async () => {
    const { service } = setup();
    const issued = await service.issue({ userId: 'user-1', username: 'user-1', scopes: ['orders:read'] });
    expect(issued.expiresIn).toBe(3600);
    const verified = await service.verify(issued.token);
    expect(verified).toMatchObject({ userId: 'user-1', username: 'user-1', scopes: ['orders:read'] });
    expect(verified.expiresAt.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({ sub: 'user-1', scope: 'orders:read', iss: 'mesh-auth', aud: 'mesh' });
    expect(claims.jti).toBe(issued.tokenId);
  });

  it('rejects an expired token as UNAUTHORIZED', async () => {
    const { service, advance } = setup();
    const { token } = await service.issue({ userId: 'u', scopes: [] });
    advance(3600_000 + 10_000);
    expect(await codeOf(service.verify(token))).toBe('UNAUTHORIZED');
  });

  it('answers FORBIDDEN when the token lacks the required scope', async () => {
    const { service } = setup();
    const { token } = await service.issue({ userId: 'u', scopes: ['orders:read'] });
    expect(await codeOf(service.verify(token, 'orders:write'))).toBe('FORBIDDEN');
    await expect(service.verify(token, 'orders:read')).resolves.toMatchObject({ userId: 'u' });
  });

  it('lets admin and resource wildcards satisfy any matching scope', async () => {
    const { service } = setup();
    const admin = await service.issue({ userId: 'a', scopes: ['admin'] });
    const orders = await service.issue({ userId: 'o', scopes: ['orders:*'] });
    await expect(service.verify(admin.token, 'users:write')).resolves.toBeDefined();
    await expect(service.verify(orders.token, 'orders:write')).resolves.toBeDefined();
    expect(await codeOf(service.verify(orders.token, 'users:read'))).toBe('FORBIDDEN');
  });

  it('rejects a revoked token and keeps others valid', async () => {
    const { service } = setup();
    const first = await service.issue({ userId: 'u', scopes: [] });
    const second = await service.issue({ userId: 'u', scopes: [] });
    const revoked = await service.revoke(first.token);
    expect(revoked.tokenId).toBe(first.tokenId);
    expect(await codeOf(service.verify(first.token))).toBe('UNAUTHORIZED');
    await expect(service.verify(second.token)).resolves.toBeDefined();
  });

  it('accepts revoking an expired token without storing anything', async () => {
    let flags = 0;
    const store = new MemorySharedStore({ prefix: 't:' });
    const counting = {
      ...store,
      hit: store.hit.bind(store),
      resetCount: store.resetCount.bind(store),
      hasFlag: store.hasFlag.bind(store),
      flagTtlMs: store.flagTtlMs.bind(store),
      close: store.close.bind(store),
      setFlag: async (key: string, ttl: number) => {
        flags += 1;
        await store.setFlag(key, ttl);
      },
    };
    const { service, advance } = setup({ revocations: counting });
    const { token, tokenId } = await service.issue({ userId: 'u', scopes: [] });
    advance(2 * 3600_000);
    await expect(service.revoke(token)).resolves.toMatchObject({ tokenId });
    expect(flags).toBe(0);
  });

  it('rejects tampered tokens and tokens signed with another key', async () => {
    const { service } = setup();
    const other = setup().service;
    const { token } = await service.issue({ userId: 'u', scopes: ['orders:read'] });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), scope: 'admin' })).toString('base64url');
    expect(await codeOf(service.verify(`${header}.${forged}.${signature}`))).toBe('UNAUTHORIZED');
    expect(await codeOf(other.verify(token))).toBe('UNAUTHORIZED');
    expect(await codeOf(service.verify('not-a-jwt-at-all'))).toBe('UNAUTHORIZED');
    expect(await codeOf(service.revoke('not-a-jwt-at-all'))).toBe('UNAUTHORIZED');
  });

  it('signs with EdDSA and names the key in kid', async () => {
    const { service } = setup();
    const { token } = await service.issue({ userId: 'u', scopes: [] });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: 'JWT', kid: expect.any(String) });
  });

  it('refuses alg none and an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const { service, keys } = setup();
    const { token } = await service.issue({ userId: 'u', scopes: ['orders:read'] });
    const { kid } = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    const none = `${encode({ alg: 'none', typ: 'JWT', kid })}.${encode({ ...claims, scope: 'admin' })}.`;
    expect(await codeOf(service.verify(none))).toBe('UNAUTHORIZED');
    // The public key is published: an attacker MACs a token with it as an HS256 secret (raw and as PEM).
    const [published] = await keys.published();
    const raw = Buffer.from(published!.jwk.x, 'base64url');
    const pem = Buffer.from(
      createPublicKey({ key: { ...published!.jwk }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }),
    );
    for (const secret of [raw, pem]) {
      const hs256 = await new SignJWT({ ...claims, scope: 'admin' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
        .sign(secret);
      expect(await codeOf(service.verify(hs256))).toBe('UNAUTHORIZED');
    }
  });

  it('records a revocation in the log verifiers poll, once', async () => {
    const { service, revocationLog } = setup();
    const { token, tokenId } = await service.issue({ userId: 'u', scopes: [] });
    await service.revoke(token);
    await service.revoke(token);
    const page = await revocationLog.since(undefined, 10);
    expect(page.revocations).toEqual([{ jti: tokenId, expiresAt: new Date(Date.UTC(2026, 0, 1, 1)) }]);
    expect((await revocationLog.since(page.cursor, 10)).revocations).toEqual([]);
  });
});
