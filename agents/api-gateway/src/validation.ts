import { MeshError } from '@mesh/common';
import { z } from 'zod';

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');

/** The seed's order body, checked at the edge so a bad payload never costs a mesh hop. */
export const orderBody = z
  .object({
    order_id: id,
    user_id: id,
    items: z
      .array(
        z.object({
          sku: z.string().min(1).max(100),
          quantity: z.number().int().positive().max(1_000_000),
        }),
      )
      .min(1)
      .max(100),
    // What the client expects to pay: optional; the server prices the order and refuses a total that is off.
    total: z
      .number()
      .positive('must be more than 0')
      .max(999_999.99)
      .refine(
        (value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6,
        'must be a whole number of cents',
      )
      .optional(),
    currency: z
      .string()
      .regex(/^[a-zA-Z]{3}$/, 'a 3-letter currency code')
      .optional(),
    payment_method: z.string().min(1).max(200).optional(),
  })
  .strip();
export type OrderBody = z.infer<typeof orderBody>;

export const loginBody = z.object({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(256),
});

export const pathId = id;

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
