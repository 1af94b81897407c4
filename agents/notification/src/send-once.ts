import { MeshError } from '@mesh/common';
import type { DeliveryLedger } from './delivery-ledger.js';

export interface SendOnceOptions {
  ledger: DeliveryLedger;
  /** This process, so a claim is given back or marked only by its holder. */
  owner: string;
  /** How long a claim holds: longer than one send can take, so a slow sender is not doubled. */
  leaseMs: number;
  /** Pause between looks while another sender holds the key. */
  pollMs?: number;
}

/**
 * Runs `send` once per `key` across replicas, restarts and redeliveries: 'sent' when this call sent it,
 * 'duplicate' when it was sent before (or by a concurrent sender while this call waited). A failed send gives
 * the claim back and rethrows, so the caller's retry can send. While another sender holds the key this waits,
 * bounded by one lease, for it to finish or for its lease to expire.
 */
export async function sendOnce(
  key: string,
  send: () => Promise<void>,
  options: SendOnceOptions,
): Promise<'sent' | 'duplicate'> {
  const { ledger, owner, leaseMs } = options;
  const deadline = Date.now() + leaseMs + 1_000;
  for (;;) {
    const claim = await ledger.claim(key, owner, leaseMs);
    if (claim === 'sent') return 'duplicate';
    if (claim === 'claimed') break;
    if (Date.now() >= deadline) {
      throw new MeshError('CONFLICT', `another sender still holds ${key}; try again later`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
  try {
    await send();
  } catch (error: unknown) {
    await ledger.release(key, owner).catch(() => undefined);
    throw error;
  }
  await ledger.markSent(key, owner);
  return 'sent';
}

/** A Message-ID local part that is the same for every copy of one key (so a mail system can spot a repeat). */
export function stableMessageId(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '-');
}
