import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_PARAMS,
  DEMO_SCRYPT_PARAMS,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from './password-hash.js';

const FAST = { ...DEFAULT_SCRYPT_PARAMS, N: 1024 };

describe('password hashing', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse', FAST);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('stores the scrypt parameters and salt with the hash', async () => {
    const hash = await hashPassword('demo');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    const parsed = parsePasswordHash(hash);
    expect(parsed).toMatchObject({ N: 16384, r: 8, p: 1 });
    expect(parsed?.salt.length).toBe(16);
    expect(parsed?.key.length).toBe(32);
  });

  it('verifies hashes made with other parameters, since they travel with the hash', async () => {
    const hash = await hashPassword('demo', { ...FAST, N: 2048, r: 4 });
    expect(hash.startsWith('scrypt$2048$4$1$')).toBe(true);
    expect(await verifyPassword('demo', hash)).toBe(true);
  });

  it('hashes demo accounts cheaper than real ones, and both verify', async () => {
    const demo = await hashPassword('demo', DEMO_SCRYPT_PARAMS);
    expect(parsePasswordHash(demo)?.N).toBeLessThan(DEFAULT_SCRYPT_PARAMS.N);
    expect(await verifyPassword('demo', demo)).toBe(true);
    expect(await verifyPassword('Demo', demo)).toBe(false);
  });

  it('uses a fresh salt per hash, so equal passwords hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('demo', FAST), hashPassword('demo', FAST)]);
    expect(a).not.toBe(b);
  });

  it('treats malformed or hostile hashes as a failed verification', async () => {
    const good = await hashPassword('demo', FAST);
    const parts = good.split('$');
    const hostile = [
      '',
      'plain',
      'bcrypt$10$abc',
      ['scrypt', String(1 << 24), '8', '1', parts[4], parts[5]].join('$'),
    ];
    hostile.push(['scrypt', '1000', '8', '1', parts[4], parts[5]].join('$')); // N not a power of two
    for (const encoded of hostile) {
      expect(await verifyPassword('demo', encoded)).toBe(false);
    }
  });

  it('normalizes unicode so the same password typed two ways verifies', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });
});
