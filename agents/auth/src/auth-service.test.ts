import { codeOf } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { isMeshError, validateInput } from '@mesh/common';
import { createAuthService } from './auth-service.js';
import { MemoryCredentialStore } from './credential-store.js';
import { createLoginLimiter } from './login-limiter.js';
import { DEFAULT_SCRYPT_PARAMS } from './password-hash.js';
import { loginInput, registerCredentialsInput, verifyTokenInput } from './schemas.js';
import { MemorySharedStore } from '@mesh/backends';
import { memoryTokens } from './memory-tokens.js';

const FAST = { ...DEFAULT_SCRYPT_PARAMS, N: 1024 };

function setup(maxFailures = 3) {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const state = new MemorySharedStore({ prefix: 't:', now });
  const { tokens, keys, revocationLog } = memoryTokens({ ttlSeconds: 900, revocations: state, now });
  const service = createAuthService({
    credentials: new MemoryCredentialStore(),
    tokens,
    keys,
    revocationLog,
    limiter: createLoginLimiter({
      state,
      free: { pair: maxFailures, address: 100, username: 100 },
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      windowMs: 600_000,
      knownAddressMs: 600_000,
    }),
    scrypt: FAST,
  });
  return { service, advance: (ms: number) => (clock += ms) };
}

describe('auth service', () => {
  it('logs in with registered credentials and the token verifies', async () => {
    const { service } = setup();
    await service.registerCredentials({ user_id: 'user-7', username: 'alice', password: 'secret1' });
    const login = await service.login({ username: 'ALICE', password: 'secret1' });
    expect(login).toMatchObject({ token_type: 'Bearer', expires_in: 900, user_id: 'user-7' });
    expect(login.scopes).toEqual(['orders:write', 'orders:read', 'users:read']);
    const verified = await service.verifyToken({ token: login.access_token, scope: 'orders:write' });
    expect(verified).toMatchObject({ valid: true, user_id: 'user-7', username: 'alice' });
  });

  it('answers UNAUTHORIZED for a wrong password or an unknown user', async () => {
    const { service } = setup();
    await service.registerCredentials({ user_id: 'u1', username: 'bob', password: 'secret1' });
    expect(await codeOf(service.login({ username: 'bob', password: 'wrong' }))).toBe('UNAUTHORIZED');
    expect(await codeOf(service.login({ username: 'nobody', password: 'secret1' }))).toBe('UNAUTHORIZED');
  });

  it('makes an address wait after N failures for a username, even with the right password', async () => {
    const { service, advance } = setup(3);
    await service.registerCredentials({ user_id: 'u1', username: 'carol', password: 'secret1' });
    for (let i = 0; i < 3; i += 1) {
      expect(await codeOf(service.login({ username: 'carol', password: 'bad' }))).toBe('UNAUTHORIZED');
    }
    expect(await codeOf(service.login({ username: 'carol', password: 'secret1' }))).toBe('RATE_LIMITED');
    expect(await codeOf(service.login({ username: 'Carol', password: 'bad' }))).toBe('RATE_LIMITED');
    await expect(service.login({ username: 'dave', password: 'x'.repeat(8) })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    advance(60_001);
    await expect(service.login({ username: 'carol', password: 'secret1' })).resolves.toMatchObject({
      user_id: 'u1',
    });
  });

  it("logs the owner in from another address while an attacker's address waits", async () => {
    const { service } = setup(3);
    await service.registerCredentials({ user_id: 'u9', username: 'grace', password: 'secret9' });
    const attacker = { username: 'grace', client_address: '203.0.113.9' };
    for (let i = 0; i < 5; i += 1) await codeOf(service.login({ ...attacker, password: `guess${i}` }));
    expect(await codeOf(service.login({ ...attacker, password: 'secret9' }))).toBe('RATE_LIMITED');
    await expect(
      service.login({ username: 'grace', password: 'secret9', client_address: '2001:db8::7' }),
    ).resolves.toMatchObject({ user_id: 'u9' });
  });

  it('says when to come back in retryAfterSeconds', async () => {
    const { service } = setup(1);
    await codeOf(service.login({ username: 'heidi', password: 'guess-1', client_address: '203.0.113.9' }));
    await expect(
      service.login({ username: 'heidi', password: 'guess-2', client_address: '203.0.113.9' }),
    ).rejects.toMatchObject({ code: 'RATE_LIMITED', data: { retryAfterSeconds: 60 } });
  });

  it('forgets earlier failures after a successful login', async () => {
    const { service } = setup(3);
    await service.registerCredentials({ user_id: 'u2', username: 'erin', password: 'secret2' });
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 2; i += 1) {
        expect(await codeOf(service.login({ username: 'erin', password: 'bad' }))).toBe('UNAUTHORIZED');
      }
      await expect(service.login({ username: 'Erin', password: 'secret2' })).resolves.toMatchObject({
        user_id: 'u2',
      });
    }
  });

  it('revokes a token so verify answers UNAUTHORIZED', async () => {
    const { service } = setup();
    await service.registerCredentials({ user_id: 'u1', username: 'erin', password: 'secret1' });
    const { access_token } = await service.login({ username: 'erin', password: 'secret1' });
    await expect(service.revokeToken({ token: access_token })).resolves.toMatchObject({ revoked: true });
    expect(await codeOf(service.verifyToken({ token: access_token }))).toBe('UNAUTHORIZED');
  });

  it('treats a repeated registration as success and a clash as CONFLICT', async () => {
    const { service } = setup();
    const first = await service.registerCredentials({ user_id: 'u1', username: 'frank', password: 'pw-one' });
    expect(first.created).toBe(true);
    const again = await service.registerCredentials({ user_id: 'u1', username: 'frank', password: 'pw-one' });
    expect(again.created).toBe(false);
    await expect(
      service.registerCredentials({ user_id: 'u2', username: 'FRANK', password: 'pw-one' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', data: { field: 'username' } });
    await expect(
      service.registerCredentials({ user_id: 'u1', username: 'frank', password: 'other' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', data: { field: 'user_id' } });
  });

  it('keeps the scopes asked for at registration', async () => {
    const { service } = setup();
    await service.registerCredentials({
      user_id: 'ops',
      username: 'ops',
      password: 'pw-ops',
      scopes: ['admin'],
    });
    const { scopes, access_token } = await service.login({ username: 'ops', password: 'pw-ops' });
    expect(scopes).toEqual(['admin']);
    await expect(service.verifyToken({ token: access_token, scope: 'users:write' })).resolves.toBeDefined();
  });
});

describe('input validation', () => {
  it('names every invalid field in one VALIDATION_FAILED error', () => {
    try {
      validateInput(registerCredentialsInput, {
        user_id: '',
        username: 'a b',
        password: 'x',
        scopes: ['Bad Scope'],
      });
      expect.unreachable();
    } catch (error: unknown) {
      expect(isMeshError(error, 'VALIDATION_FAILED')).toBe(true);
      const paths = (error as { data: { issues: { path: string }[] } }).data.issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['user_id', 'username', 'password', 'scopes.0']));
    }
  });

  it('rejects missing fields and malformed scopes on login and verify', () => {
    expect(() => validateInput(loginInput, { username: 'user-1' })).toThrow(/password/);
    expect(() => validateInput(verifyTokenInput, { token: 'x'.repeat(20), scope: 'orders read' })).toThrow(
      /scope/,
    );
    expect(validateInput(loginInput, { username: 'user-1', password: 'demo' })).toEqual({
      username: 'user-1',
      password: 'demo',
    });
  });

  it('accepts an IPv4 or IPv6 client address and rejects anything else', () => {
    for (const client_address of ['203.0.113.9', '::1', '2001:db8::7']) {
      expect(
        validateInput(loginInput, { username: 'user-1', password: 'demo', client_address }),
      ).toMatchObject({
        client_address,
      });
    }
    for (const client_address of ['localhost', '203.0.113.9, 10.0.0.1', '', 'x'.repeat(100), 7]) {
      expect(() =>
        validateInput(loginInput, { username: 'user-1', password: 'demo', client_address }),
      ).toThrow(/client_address/);
    }
  });
});
