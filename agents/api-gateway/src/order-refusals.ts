import type { MeshError } from '@mesh/common';

/**
 * Orders the order agent refuses before placing them, because of what they would cost: the client can fix
 * the request (use the catalogue's price, a known SKU, the catalogue's currency), so these are 4xx. Nothing
 * was reserved or charged for them.
 */
const REFUSED_ORDER_STATUS: Readonly<Record<string, number>> = {
  PRICE_MISMATCH: 409,
  UNKNOWN_SKU: 404,
  UNSUPPORTED_CURRENCY: 422,
  TOTAL_OUT_OF_RANGE: 422,
  MIXED_CURRENCIES: 422,
};

/** Fields of a refusal's data a client needs to build an honest order; everything else stays inside. */
const PUBLIC_FIELDS = [
  'expected_total',
  'currency',
  'requested_currency',
  'max_total',
  'skus',
  'currencies',
] as const;

/** The HTTP status of a refused order's error code, or undefined for any other code. */
export function refusedOrderStatus(code: string): number | undefined {
  return REFUSED_ORDER_STATUS[code];
}

/** The fields of a refused order's error that go into the error body (e.g. `expected_total`). */
export function refusalFields(error: MeshError): Record<string, unknown> {
  if (refusedOrderStatus(error.code) === undefined || error.data === undefined) return {};
  const fields: Record<string, unknown> = {};
  for (const name of PUBLIC_FIELDS) {
    if (error.data[name] !== undefined) fields[name] = error.data[name];
  }
  return fields;
}
