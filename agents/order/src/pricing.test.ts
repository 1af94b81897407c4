import { describe, expect, it } from 'vitest';
import { priceOrder } from './pricing.js';

const quote = { currency: 'usd', total_cents: 1499 };

describe('priceOrder', () => {
  it('charges the catalogue total, whatever total within a cent the client sent, or none', () => {
    expect(priceOrder({}, quote)).toEqual({ total: 14.99, currency: 'usd' });
    expect(priceOrder({ total: 14.99, currency: 'USD' }, quote)).toEqual({ total: 14.99, currency: 'usd' });
    expect(priceOrder({ total: 15 }, quote)).toEqual({ total: 14.99, currency: 'usd' });
    expect(priceOrder({ total: 14.98 }, quote)).toEqual({ total: 14.99, currency: 'usd' });
  });

  it('answers PRICE_MISMATCH with the expected total when the client is more than a cent off', () => {
    for (const total of [99.99, 15.01, 14.97, 0, 0.5]) {
      expect(() => priceOrder({ total }, quote)).toThrow(
        expect.objectContaining({
          code: 'PRICE_MISMATCH',
          data: { expected_total: 14.99, currency: 'usd', field: 'total' },
        }),
      );
    }
  });

  it('refuses a currency the items are not priced in', () => {
    expect(() => priceOrder({ total: 14.99, currency: 'XYZ' }, quote)).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED_CURRENCY',
        data: { currency: 'usd', requested_currency: 'XYZ' },
      }),
    );
  });

  it('refuses totals nobody can be charged: nothing, or more than one order may cost', () => {
    expect(() => priceOrder({}, { currency: 'usd', total_cents: 0 })).toThrow(
      expect.objectContaining({ code: 'TOTAL_OUT_OF_RANGE' }),
    );
    // A million units of a 99.94 item: the total is exact in cents and far above the limit.
    expect(() => priceOrder({ total: 0 }, { currency: 'usd', total_cents: 9_994_000_000 })).toThrow(
      expect.objectContaining({
        code: 'TOTAL_OUT_OF_RANGE',
        data: expect.objectContaining({ expected_total: 99_940_000 }),
      }),
    );
  });
});
