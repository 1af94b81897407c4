import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/**
 * `length` (at most 4096) cryptographically random bytes, handed out of a pool refilled 4 KB at a time, as
 * `crypto.randomUUID` does: a `randomBytes` call per id cost about 4 µs of CPU, two of them per charge. The
 * view is only valid until the next call: read it at once.
 */
export function randomView(length: number): Buffer {
  if (used + length > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const view = pool.subarray(used, used + length);
  used += length;
  return view;
}
