import { describe, expect, it } from 'vitest';
import { createPasswordCheck } from './password-check.js';
import { DEFAULT_SCRYPT_PARAMS, DEMO_SCRYPT_PARAMS, hashPassword } from './password-hash.js';

/** Median wall time of each function over `runs` rounds, alternating them so machine load hits both alike. */
async function medianMs(runs: number, fns: (() => Promise<unknown>)[]): Promise<number[]> {
  const times: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i += 1) {
    for (const [index, fn] of fns.entries()) {
      const started = performance.now();
      await fn();
      times[index]!.push(performance.now() - started);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(runs / 2)]!);
}

describe('password check', () => {
  it('accepts the right password and refuses a wrong one or an unknown user', async () => {
    const check = createPasswordCheck(DEMO_SCRYPT_PARAMS);
    const stored = await hashPassword('secret1', DEMO_SCRYPT_PARAMS);
    expect(await check('secret1', stored)).toBe(true);
    expect(await check('secret2', stored)).toBe(false);
    expect(await check('secret1', undefined)).toBe(false);
    expect(await check('secret1', 'not a hash')).toBe(false);
  });

  it('costs at least as much for a cheaply hashed account as for an unknown username', async () => {
    const check = createPasswordCheck(DEFAULT_SCRYPT_PARAMS);
    const demo = await hashPassword('demo', DEMO_SCRYPT_PARAMS);
    await check('warm-up', undefined);
    const [unknownMs, demoMs] = await medianMs(9, [
      () => check('wrong', undefined),
      () => check('wrong', demo),
    ]);
    // Before the top-up a demo account cost 1/16 of an unknown name (N=1024 against N=16384).
    expect(demoMs).toBeGreaterThan(unknownMs! * 0.7);
  }, 20_000);
});
