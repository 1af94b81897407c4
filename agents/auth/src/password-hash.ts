import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters; stored with every hash so they can be raised later without breaking old hashes. */
export interface ScryptParams {
  /** CPU/memory cost (power of two). */
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
  readonly saltLength: number;
}

/** ~50 ms per hash on one core, 16 MiB of memory: the interactive-login figure scrypt's author suggests. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({
  N: 16_384,
  r: 8,
  p: 1,
  keyLength: 32,
  saltLength: 16,
});

/**
 * For the demo accounts only: their password ("demo") is published in the README, so a costly hash protects
 * nothing, while 101 costly hashes would hold the first start back by seconds. The parameters travel with each
 * hash, so these accounts still verify, and real accounts keep DEFAULT_SCRYPT_PARAMS.
 */
export const DEMO_SCRYPT_PARAMS: ScryptParams = Object.freeze({ ...DEFAULT_SCRYPT_PARAMS, N: 1024 });

const PREFIX = 'scrypt';
/** Upper bounds on parameters read back from storage, so a corrupt row cannot exhaust memory. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function memoryFor(params: Pick<ScryptParams, 'N' | 'r'>): number {
  // scrypt needs 128 * N * r bytes; leave headroom so node's maxmem check never trips on valid params.
  return 256 * params.N * params.r + 1024 * 1024;
}

/**
 * Hashes a password with scrypt and a fresh random salt, off the main thread (libuv pool).
 * Format: `scrypt$N$r$p$<salt base64url>$<key base64url>`, so verification needs nothing but the string.
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(params.saltLength);
  const key = await scryptAsync(password, salt, params.keyLength, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: memoryFor(params),
  });
  return [PREFIX, params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** The parameters and salt carried by a stored hash, or undefined when the string is not one of ours. */
export function parsePasswordHash(
  encoded: string,
): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const validN = Number.isInteger(N) && N > 1 && N <= MAX_N && (N & (N - 1)) === 0;
  if (!validN || !Number.isInteger(r) || r < 1 || r > MAX_R || !Number.isInteger(p) || p < 1 || p > MAX_P) {
    return undefined;
  }
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { N, r, p, salt, key };
}

/**
 * Checks a password against a stored hash in constant time. A malformed hash verifies as false
 * (never throws), so a damaged row locks one account instead of failing every login.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (parsed === undefined) return false;
  const candidate = await scryptAsync(password, parsed.salt, parsed.key.length, {
    N: parsed.N,
    r: parsed.r,
    p: parsed.p,
    maxmem: memoryFor(parsed),
  });
  return timingSafeEqual(candidate, parsed.key);
}
