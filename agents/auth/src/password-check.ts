import { hashPassword, parsePasswordHash, verifyPassword, type ScryptParams } from './password-hash.js';

/**
 * Checks a login's password so that its cost does not depend on whether the username exists: an unknown user
 * is checked against a decoy hashed with `params` (the cost every new account gets), and a stored hash cheaper
 * than `params` (the demo accounts, N=1024) is topped up with one decoy check at `params`. Every login thus
 * pays at least one full-cost scrypt; a cheaper account differs from an unknown name only by its own cheap
 * hash (N=1024 costs 1/16 of the default), not by the 16x it did when the cheap hash was all it paid.
 */
export function createPasswordCheck(
  params: ScryptParams,
): (password: string, stored: string | undefined) => Promise<boolean> {
  let decoyHash: Promise<string> | undefined;
  const decoy = (): Promise<string> => (decoyHash ??= hashPassword('decoy password', params));
  const fullCost = params.N * params.r * params.p;

  return async (password, stored) => {
    if (stored === undefined) {
      await verifyPassword(password, await decoy());
      return false;
    }
    const parsed = parsePasswordHash(stored);
    const matches = await verifyPassword(password, stored);
    if (parsed === undefined || parsed.N * parsed.r * parsed.p < fullCost) {
      await verifyPassword(password, await decoy());
    }
    return matches;
  };
}
