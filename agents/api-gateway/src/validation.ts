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
    total: z
      .number()
      .min(0)
      .max(999_999.99)
      .refine(
        (value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6,
        'must be a whole number of cents',
      ),
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
