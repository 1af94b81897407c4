import { describe, expect, it } from 'vitest';
import { MemoryDeliveryLedger } from './delivery-ledger.js';
import { sendOnce, stableMessageId } from './send-once.js';

describe('sendOnce', () => {
  const options = (ledger: MemoryDeliveryLedger, owner: string, leaseMs = 1_000) => ({
    ledger,
    owner,
    leaseMs,
    pollMs: 10,
  });

  it('sends the first time and reports a duplicate after, from any sender', async () => {
    const ledger = new MemoryDeliveryLedger(60_000);
    let sends = 0;
    const send = async () => {
      sends += 1;
    };
    expect(await sendOnce('k-1', send, options(ledger, 'a'))).toBe('sent');
    expect(await sendOnce('k-1', send, options(ledger, 'b'))).toBe('duplicate');
    expect(sends).toBe(1);
  });

  it('gives the claim back when the send fails, so a retry sends', async () => {
    const ledger = new MemoryDeliveryLedger(60_000);
    await expect(
      sendOnce('k-2', async () => Promise.reject(new Error('smtp down')), options(ledger, 'a')),
    ).rejects.toThrow('smtp down');
    expect(await sendOnce('k-2', async () => {}, options(ledger, 'a'))).toBe('sent');
  });

  it('waits for a concurrent sender and does not send again', async () => {
    const ledger = new MemoryDeliveryLedger(60_000);
    let sends = 0;
    let release!: () => void;
    const slow = sendOnce(
      'k-3',
      async () => {
        sends += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
      options(ledger, 'a'),
    );
    const second = sendOnce(
      'k-3',
      async () => {
        sends += 1;
      },
      options(ledger, 'b'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await slow).toBe('sent');
    expect(await second).toBe('duplicate');
    expect(sends).toBe(1);
  });

  it('takes over a key whose sender died once its lease expires', async () => {
    let now = 1_000;
    const ledger = new MemoryDeliveryLedger(60_000, () => now);
    expect(await ledger.claim('k-4', 'dead', 500)).toBe('claimed');
    expect(await ledger.claim('k-4', 'b', 500)).toBe('busy');
    now += 501;
    expect(await ledger.claim('k-4', 'b', 500)).toBe('claimed');
  });

  it('forgets sent keys after the retention', async () => {
    let now = 0;
    const ledger = new MemoryDeliveryLedger(1_000, () => now);
    await ledger.claim('k-5', 'a', 100);
    await ledger.markSent('k-5', 'a');
    expect(await ledger.claim('k-5', 'b', 100)).toBe('sent');
    now += 1_001;
    expect(await ledger.claim('k-5', 'b', 100)).toBe('claimed');
  });

  it('makes a Message-ID part from a key', () => {
    expect(stableMessageId('order-confirmation:o 1/2')).toBe('order-confirmation-o-1-2');
  });
});
