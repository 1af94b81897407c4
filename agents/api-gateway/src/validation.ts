import { MeshError } from '@mesh/common';
import { z } from 'zod';
import { idSchema, orderProcessing } from '@mesh/contracts';

/** The seed's order body, checked at the edge against the order contract so a bad payload never costs a hop. */
export const orderBody = orderProcessing.input;
export type OrderBody = z.infer<typeof orderBody>;

export const loginBody = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(256),
});

export const pathId = idSchema;

/** A whole number from a query string, within bounds, or `fallback` when absent. */
function queryInt(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d{1,7}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);
}

/** `GET /products?q=&limit=&offset=`: one bounded page of the catalogue, searched by name or SKU. */
export const productsQuery = z.object({
  q: z.string().max(100).optional(),
  limit: queryInt(1, 100, 50),
  offset: queryInt(0, 1_000_000, 0),
});

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'body' : out;
}

/**
 * Parses `value` or throws VALIDATION_FAILED (HTTP 400) whose message starts with the offending field
 * (`items[0].quantity: ...`); `details` lists every problem.
 */
export function validate<T extends z.ZodType>(schema: T, value: unknown, what = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    field: issue.path.length === 0 ? what : fieldPath(issue.path),
    message: issue.message,
  }));
  const first = details[0] ?? { field: what, message: 'invalid' };
  throw new MeshError('VALIDATION_FAILED', `${first.field}: ${first.message}`, {
    data: { field: first.field, details },
  });
}
