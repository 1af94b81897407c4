import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { isMeshError } from '@mesh/common';
import { MemorySharedStore } from '@mesh/backends';
import { createTokenService, type TokenServiceOptions } from './token-service.js';

const SECRET = new TextEncoder().encode('an-hs256-secret-of-at-least-32-bytes!!');

function setup(overrides: Partial<TokenServiceOptions> = {}) {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const service = createTokenService({
    secret: SECRET,
    ttlSeconds: 3600,
    revocations: new MemorySharedStore({ prefix: 't:', now }),
    now,
    ...overrides,
  });
  return { service, advance: (ms: number) => (clock += ms) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (isMeshError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}

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

  it('rejects tampered tokens and tokens signed with another secret', async () => {
    const { service } = setup();
    const other = setup({ secret: new TextEncoder().encode('x'.repeat(40)) }).service;
    const { token } = await service.issue({ userId: 'u', scopes: ['orders:read'] });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), scope: 'admin' })).toString('base64url');
    expect(await codeOf(service.verify(`${header}.${forged}.${signature}`))).toBe('UNAUTHORIZED');
    expect(await codeOf(other.verify(token))).toBe('UNAUTHORIZED');
    expect(await codeOf(service.verify('not-a-jwt-at-all'))).toBe('UNAUTHORIZED');
    expect(await codeOf(service.revoke('not-a-jwt-at-all'))).toBe('UNAUTHORIZED');
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => setup({ secret: new TextEncoder().encode('short') })).toThrow(/at least 32 bytes/);
  });
});
