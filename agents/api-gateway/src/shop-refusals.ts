/**
 * The cart's refusals: the client can act on each (fewer items, fill the cart, wait for the open order, use a
 * new checkout key), so they are 4xx. Unknown SKUs and mixed currencies share the order refusals' statuses.
 */
const SHOP_STATUS: Readonly<Record<string, number>> = {
  CART_LIMIT: 422,
  CART_EMPTY: 409,
  CHECKOUT_PENDING: 409,
  CHECKOUT_KEY_REUSED: 409,
};

/** The HTTP status of a cart refusal's code, or undefined for any other code. */
export function shopRefusalStatus(code: string): number | undefined {
  return SHOP_STATUS[code];
}
