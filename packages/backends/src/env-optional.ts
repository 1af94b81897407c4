import { z } from 'zod';

/**
 * An optional env var where an empty value means unset, as compose files produce with `${REDIS_URL:-}`:
 * "configure Redis only when given" must not fail on an empty string.
 */
export function unsetWhenEmpty<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}
