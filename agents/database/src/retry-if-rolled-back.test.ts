import { describe, expect, it } from 'vitest';
import { ROLLED_BACK_ATTEMPTS, retryIfRolledBack } from './transaction.js';

const serverError = (code: string): Error => Object.assign(new Error(`server said ${code}`), { code });

describe('retryIfRolledBack', () => {
  it('runs the work again after a deadlock or a serialization failure, then answers as it did', async () => {
    const failures = [serverError('40P01'), serverError('40001')];
    let runs = 0;
    const answer = await retryIfRolledBack(async () => {
      runs += 1;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return 'reserved';
    });
    expect(answer).toBe('reserved');
    expect(runs).toBe(3);
  });

  it(`stops after ${ROLLED_BACK_ATTEMPTS} runs and throws the last rollback`, async () => {
    let runs = 0;
    const outcome = retryIfRolledBack(async () => {
      runs += 1;
      throw serverError('40P01');
    });
    await expect(outcome).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(ROLLED_BACK_ATTEMPTS);
  });

  it('throws any other error at once: a constraint violation is not run again', async () => {
    let runs = 0;
    const outcome = retryIfRolledBack(async () => {
      runs += 1;
      throw serverError('23503');
    });
    await expect(outcome).rejects.toMatchObject({ code: '23503' });
    expect(runs).toBe(1);
  });
});
