import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { codeOf } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { memoryTokens } from './memory-tokens.js';
import { keyIdOf, publicJwkOf } from './signing-key.js';
import { MemorySigningKeyStore } from './signing-key-store.js';
import { CONFIGURED_KEY_LEASE_MS, createSigningKeys } from './signing-keys.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

function rotating(rotationMs = HOUR, ttlSeconds = 1800) {
  let clock = START + 60_000;
  const now = () => clock;
  const setup = memoryTokens({ ttlSeconds, rotationMs, now });
  return { ...setup, now, advance: (ms: number) => (clock += ms) };
}

describe('signing keys', () => {
  it('publishes the current key and the next one before it signs anything', async () => {
    const { keys, tokens } = rotating();
    const { token } = await tokens.issue({ userId: 'u', scopes: [] });
    const published = await keys.published();
    expect(published.map((key) => key.notBefore.toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(published[0]!.kid).toBe(decodeProtectedHeader(token).kid);
    expect(published[0]!.kid).toBe(keyIdOf(published[0]!.jwk));
    // Signs until 01:00; its last token expires at 01:30, plus the 5 s tolerance.
    expect(published[0]!.notAfter.toISOString()).toBe('2026-01-01T01:30:05.000Z');
  });

  it('rotates each period and keeps accepting the previous key until its tokens expire', async () => {
    const { keys, tokens, advance } = rotating();
    advance(49 * 60_000); // 00:50
    const old = await tokens.issue({ userId: 'u', scopes: [] }); // expires 01:20
    advance(11 * 60_000); // 01:01: a new period
    const fresh = await tokens.issue({ userId: 'u', scopes: [] });
    expect(decodeProtectedHeader(fresh.token).kid).not.toBe(decodeProtectedHeader(old.token).kid);
    await expect(tokens.verify(old.token)).resolves.toMatchObject({ userId: 'u' });
    expect((await keys.published()).map((key) => key.kid)).toContain(decodeProtectedHeader(old.token).kid);
    advance(29 * 60_000 + 5_000); // 01:30:05: every token of the old key has expired, and the key is gone
    expect((await keys.published()).map((key) => key.kid)).not.toContain(
      decodeProtectedHeader(old.token).kid,
    );
    expect(await codeOf(tokens.verify(old.token))).toBe('UNAUTHORIZED');
    await expect(tokens.verify(fresh.token)).resolves.toBeDefined();
  });

  it('lets replicas sharing a store agree on one key per period', async () => {
    const store = new MemorySigningKeyStore();
    const now = () => START + 5_000;
    const options = { store, rotationMs: HOUR, tokenTtlSeconds: 600, clockToleranceSeconds: 5, now };
    const [a, b] = [createSigningKeys(options), createSigningKeys(options)];
    await Promise.all([a.refresh(), b.refresh()]);
    expect((await a.current()).kid).toBe((await b.current()).kid);
    expect(store.keys.size).toBe(2);
  });

  it('signs with a configured key within a lease it keeps extending, and publishes it after replacement', async () => {
    const store = new MemorySigningKeyStore();
    let clock = START;
    const now = () => clock;
    const first = generateKeyPairSync('ed25519').privateKey;
    const options = { store, rotationMs: HOUR, tokenTtlSeconds: 600, clockToleranceSeconds: 5, now };
    const keys = createSigningKeys({ ...options, configuredKey: first });
    const signing = await keys.current();
    expect(signing.kid).toBe(keyIdOf(publicJwkOf(first)));
    expect(signing.privateKey).toBe(first);
    clock += CONFIGURED_KEY_LEASE_MS - 1000;
    await keys.refresh();
    expect((await keys.published())[0]!.notAfter.getTime()).toBe(clock + CONFIGURED_KEY_LEASE_MS + 605_000);
    // The operator replaces the key: the new replica signs with it, the old key stays published for its tokens.
    const replaced = createSigningKeys({
      ...options,
      configuredKey: generateKeyPairSync('ed25519').privateKey,
    });
    expect((await replaced.current()).kid).not.toBe(signing.kid);
    expect((await replaced.published()).map((key) => key.kid)).toContain(signing.kid);
  });

  it('reloads an unknown kid at most once a second', async () => {
    const { keys, keyStore } = rotating();
    await keys.refresh();
    let loads = 0;
    const load = keyStore.load.bind(keyStore);
    keyStore.load = (since) => {
      loads += 1;
      return load(since);
    };
    expect(await keys.find('nobody')).toBeUndefined();
    expect(await keys.find('nobody-else')).toBeUndefined();
    expect(loads).toBe(1);
  });
});
