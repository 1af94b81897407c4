import { CART_MAX_LINES, CART_MAX_QUANTITY, RECOMMENDATION_MAX, checkoutKeySchema } from '@mesh/contracts';
import { z } from 'zod';

/** A SKU in a path or a body (the catalogue's bound). */
export const skuSchema = z.string().min(1).max(100);

/** `POST /cart`: lines to add (default) or to set (`"mode": "set"`, 0 removes a line). */
export const cartBody = z
  .object({
    items: z
      .array(z.object({ sku: skuSchema, quantity: z.number().int().min(0).max(CART_MAX_QUANTITY) }))
      .min(1)
      .max(CART_MAX_LINES),
    mode: z.enum(['add', 'set']).default('add'),
  })
  .strip()
  .superRefine((body, ctx) => {
    if (body.mode !== 'add') return;
    body.items.forEach((item, index) => {
      if (item.quantity === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['items', index, 'quantity'],
          message: 'must be at least 1 when adding (use "mode": "set" or DELETE /cart/:sku to remove)',
        });
      }
    });
  });

/** `POST /cart/checkout`: `{}` or a checkout key (also taken from an `Idempotency-Key` header) and a payment method. */
export const checkoutBody = z
  .object({
    checkout_key: checkoutKeySchema.optional(),
    payment_method: z.string().min(1).max(200).optional(),
  })
  .strip();

export { checkoutKeySchema };

/** `GET /recommendations?limit=&exclude=a,b`. */
export const recommendationsQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(RECOMMENDATION_MAX))
    .optional()
    .transform((value) => value ?? 10),
  exclude: z
    .string()
    .max(2_000)
    .optional()
    .transform((value) => (value === undefined || value === '' ? [] : value.split(',')))
    .pipe(z.array(skuSchema).max(100)),
});
