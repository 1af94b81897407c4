import { describe, expect, it } from 'vitest';
import { orderOutcome } from './agent.js';

describe('process_order outcome', () => {
  it('is the error code of a failed order, so a declined or refused order is never counted ok', () => {
    const failed = {
      status: 'failed' as const,
      order_id: 'o-1',
      error: { code: 'PAYMENT_DECLINED', message: 'card declined' },
      state: 'failed',
      replayed: false,
    };
    expect(orderOutcome(failed)).toBe('PAYMENT_DECLINED');
    expect(orderOutcome({ ...failed, error: undefined })).toBe('ORDER_FAILED');
  });

  it('is nothing for a completed order', () => {
    expect(
      orderOutcome({
        status: 'completed',
        order_id: 'o-2',
        payment_id: 'ch_1',
        state: 'completed',
        replayed: false,
      }),
    ).toBeUndefined();
  });
});
