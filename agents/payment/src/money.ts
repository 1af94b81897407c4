import { MeshError } from '@mesh/common';

/**
 * Turns an amount in major units (the order's `total`, e.g. 99.99) into integer cents, refusing amounts
 * that are not a whole number of cents, so float noise never reaches the ledger.
 */
export function toCents(amount: number): number {
  const cents = Math.round(amount * 100);
  if (!Number.isFinite(amount) || amount <= 0 || Math.abs(amount * 100 - cents) > 1e-6 || cents <= 0) {
    throw new MeshError(
      'VALIDATION_FAILED',
      `amount must be a positive number of whole cents; got ${amount}`,
      {
        data: { field: 'amount' },
      },
    );
  }
  return cents;
}

/** Integer cents back to major units for replies. */
export function fromCents(cents: number): number {
  return cents / 100;
}
