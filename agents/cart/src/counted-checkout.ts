import { isMeshError } from '@mesh/common';
import { REFUSED_BEFORE_ORDER, type CheckoutResult } from './checkout.js';
import type { CartMetrics, CheckoutOutcome } from './metrics.js';

/** Errors that mean the shopper was refused and nothing was ordered (the cart's or the order agent's rules). */
const REFUSALS = new Set(['CART_EMPTY', 'CHECKOUT_KEY_REUSED', ...REFUSED_BEFORE_ORDER]);

/** The outcome a checkout's answer counts as: a replay first, whatever the first outcome was. */
export function checkoutOutcome(result: CheckoutResult): CheckoutOutcome {
  const outcome: CheckoutOutcome = result.replayed ? 'replayed' : result.status;
  return outcome;
}

/**
 * Runs one checkout and counts how it ended, answers and errors alike. Counted here, around the whole
 * checkout, because only the caller sees the answer the shopper gets (a replay, a pending order).
 */
export async function countedCheckout(
  metrics: CartMetrics,
  run: () => Promise<CheckoutResult>,
): Promise<CheckoutResult> {
  let result: CheckoutResult;
  try {
    result = await run();
  } catch (e: unknown) {
    const code = isMeshError(e) ? e.code : 'INTERNAL';
    const outcome: CheckoutOutcome = REFUSALS.has(code) ? 'refused' : 'error';
    metrics.countCheckout(outcome, code);
    throw e;
  }
  metrics.countCheckout(checkoutOutcome(result), result.error?.code ?? '');
  return result;
}
