import { MeshError } from '@mesh/common';
import { MAX_TOTAL } from './schemas.js';

/** What the catalogue says the items cost (the `inventory_quote` answer, trimmed to what pricing needs). */
export interface Quote {
  /** Lowercase ISO 4217 code. */
  currency: string;
  /** Whole cents, computed by the catalogue without floating-point sums. */
  total_cents: number;
}

/** The client's claims about an order's price: both optional. */
export interface PriceClaim {
  total?: number | undefined;
  currency?: string | undefined;
}

/** The amount an order is charged: always the catalogue's, never the client's. */
export interface PricedOrder {
  total: number;
  currency: string;
}

/** Totals within a cent of the catalogue's are the same price (rounding in the client's arithmetic). */
export const PRICE_TOLERANCE_CENTS = 1;
const MAX_TOTAL_CENTS = Math.round(MAX_TOTAL * 100);

/**
 * Decides what an order costs from the catalogue's quote and checks what the client claimed, so a client can
 * neither set the price nor be charged something other than it expected. A refusal here happens before the
 * order is stored, so nothing is reserved or charged:
 * - UNSUPPORTED_CURRENCY: the client named a currency the items are not priced in (no conversion);
 * - TOTAL_OUT_OF_RANGE: the catalogue total is not a chargeable amount (0, or above MAX_TOTAL);
 * - PRICE_MISMATCH: the client's total is more than a cent off; `data.expected_total` says what it costs.
 */
export function priceOrder(claim: PriceClaim, quote: Quote): PricedOrder {
  const currency = quote.currency.toLowerCase();
  const expected = quote.total_cents / 100;
  if (claim.currency !== undefined && claim.currency.toLowerCase() !== currency) {
    throw new MeshError(
      'UNSUPPORTED_CURRENCY',
      `these items are priced in ${currency.toUpperCase()}, not ${claim.currency.toUpperCase()}`,
      { data: { currency, requested_currency: claim.currency } },
    );
  }
  if (quote.total_cents <= 0 || quote.total_cents > MAX_TOTAL_CENTS) {
    throw new MeshError(
      'TOTAL_OUT_OF_RANGE',
      `the order would cost ${expected.toFixed(2)} ${currency.toUpperCase()}; one order must cost more than 0 and at most ${MAX_TOTAL}`,
      { data: { expected_total: expected, currency, max_total: MAX_TOTAL } },
    );
  }
  if (
    claim.total !== undefined &&
    Math.abs(Math.round(claim.total * 100) - quote.total_cents) > PRICE_TOLERANCE_CENTS
  ) {
    throw new MeshError(
      'PRICE_MISMATCH',
      `total ${claim.total.toFixed(2)} does not match the catalogue price ${expected.toFixed(2)} ${currency.toUpperCase()}`,
      { data: { expected_total: expected, currency, field: 'total' } },
    );
  }
  return { total: expected, currency };
}
