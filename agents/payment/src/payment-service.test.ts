import type { IncomingMessage } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshError } from '@mesh/common';
import { isMeshError } from '@mesh/common';
import { runMigrations } from '@mesh/backends';
import { createPaymentSandbox, type PaymentSandbox } from '@mesh/sandboxes';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import { GatewayClient } from './gateway-client.js';
import { PaymentService } from './payment-service.js';
import { MemoryPaymentStore, type PaymentStore } from './payment-store.js';
import { PAYMENT_MIGRATIONS, PgPaymentStore } from './pg-payment-store.js';
import { sandboxChargesOf } from './test-sandbox-charges.js';

const KEY = 'sk_test_payment_agent_tests';
const pgUrl = realServerUrl('postgres');

interface StoreFactory {
  /** A store over the same data each time it is called (a restarted agent sees what the last one wrote). */
  open(): PaymentStore;
  cleanup(): Promise<void>;
}

async function memoryFactory(): Promise<StoreFactory> {
  const store = new MemoryPaymentStore();
  return { open: () => store, cleanup: async () => undefined };
}

async function pgFactory(): Promise<StoreFactory> {
  const db: TestDatabase = await createTestDatabase(pgUrl!, 'payment');
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await runMigrations(pool, PAYMENT_MIGRATIONS, { name: 'payment-agent' });
  return {
    open: () => new PgPaymentStore(pool),
    cleanup: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

/** `real` except that recording an outcome fails, as when the process dies between the charge and the write. */
function crashingOnRecord(real: PaymentStore): PaymentStore {
  return {
    get: (id) => real.get(id),
    record: async () => {
      throw new Error('process died before recording the outcome');
    },
    complete: (...args) => real.complete(...args),
    markRefunded: (...args) => real.markRefunded(...args),
    void: (id) => real.void(id),
    recordGatewayRefund: (refund) => real.recordGatewayRefund(refund),
  };
}

const stores: Array<[string, () => Promise<StoreFactory>, boolean]> = [
  ['memory', memoryFactory, false],
  ['PostgreSQL', pgFactory, pgUrl === undefined],
];

async function expectMeshError(promise: Promise<unknown>, code: string): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMeshError(error), `expected MeshError ${code}, got ${String(error)}`).toBe(true);
  expect((error as MeshError).code).toBe(code);
  return error as MeshError;
}

describe.each(stores)('payment service with the %s store', (_name, makeFactory, skip) => {
  let sandbox: PaymentSandbox;
  let base: string;
  let factory: StoreFactory;
  let order = 0;
  /** What reached the sandbox, in order: method, path and the Idempotency-Key header of each request. */
  const received: Array<{ method: string; path: string; idempotencyKey: string | undefined }> = [];

  const nextOrder = (): string => `order-${Date.now().toString(36)}-${(order += 1)}`;

  function service(
    options: { apiKey?: string; timeoutMs?: number; baseUrl?: string; store?: PaymentStore } = {},
  ): PaymentService {
    const gateway = new GatewayClient({
      baseUrl: options.baseUrl ?? base,
      apiKey: options.apiKey ?? KEY,
      timeoutMs: options.timeoutMs ?? 2000,
      inProgressRetryMs: 20,
    });
    return new PaymentService({ store: options.store ?? factory.open(), gateway });
  }

  const chargesAt = (orderId: string) => sandboxChargesOf(base, KEY, orderId);

  beforeAll(async () => {
    if (skip) return;
    sandbox = createPaymentSandbox({ apiKey: KEY, hangMs: 3000 });
    sandbox.server.prependListener('request', (req: IncomingMessage) => {
      const key = req.headers['idempotency-key'];
      received.push({
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://sandbox').pathname,
        idempotencyKey: Array.isArray(key) ? key.join(',') : key,
      });
    });
    base = (await sandbox.listen(0, '127.0.0.1')).url;
    factory = await makeFactory();
  });

  afterAll(async () => {
    if (skip) return;
    await sandbox.close();
    await factory.cleanup();
  });

  it.skipIf(skip)('charges once when the same order is processed again, also after a restart', async () => {
    const orderId = nextOrder();
    const input = { order_id: orderId, user_id: 'user-1', amount: 99.99 };
    const first = await service().process(input);
    expect(first).toMatchObject({ status: 'succeeded', amount: 99.99, currency: 'usd' });
    const again = await service().process(input);
    const concurrent = await Promise.all([1, 2, 3].map(() => service().process(input)));
    expect(again).toEqual(first);
    for (const result of concurrent) expect(result).toEqual(first);
    const charges = await chargesAt(orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ id: first.payment_id, amount: 9999, status: 'succeeded' });
  });

  it.skipIf(skip)('charges once when concurrent first attempts race for the same order', async () => {
    const orderId = nextOrder();
    const input = { order_id: orderId, user_id: 'user-2', amount: 12.5 };
    const results = await Promise.all([1, 2, 3, 4].map(() => service().process(input)));
    expect(new Set(results.map((r) => r.payment_id)).size).toBe(1);
    expect(await chargesAt(orderId)).toHaveLength(1);
  });

  it.skipIf(skip)('finishes a charge a crash left unrecorded without charging again', async () => {
    const orderId = nextOrder();
    const real = factory.open();
    const crashing = crashingOnRecord(real);
    const input = { order_id: orderId, user_id: 'user-3', amount: 20 };
    await expect(service({ store: crashing }).process(input)).rejects.toThrow(/process died/);
    expect(await real.get(orderId)).toBeUndefined();
    expect(await chargesAt(orderId)).toHaveLength(1);
    const recovered = await service().process(input);
    expect(recovered.status).toBe('succeeded');
    const charges = await chargesAt(orderId);
    expect(charges).toHaveLength(1);
    expect(charges[0]?.id).toBe(recovered.payment_id);
  });

  it.skipIf(skip)(
    'sends the order id as the Idempotency-Key of every charge attempt, and refund-<order id> for its refund',
    async () => {
      const orderId = nextOrder();
      const real = factory.open();
      const crashing = crashingOnRecord(real);
      const input = { order_id: orderId, user_id: 'user-8', amount: 25 };
      const from = received.length;
      await expect(service({ store: crashing }).process(input)).rejects.toThrow(/process died/);
      await service().process(input);
      await service().refund(orderId, undefined);
      expect(received.slice(from)).toEqual([
        { method: 'POST', path: '/v1/charges', idempotencyKey: orderId },
        { method: 'POST', path: '/v1/charges', idempotencyKey: orderId },
        { method: 'POST', path: '/v1/refunds', idempotencyKey: `refund-${orderId}` },
      ]);
      const charges = await chargesAt(orderId);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toMatchObject({ amount: 2500, amount_refunded: 2500 });
    },
  );

  it.skipIf(skip)(
    'charges once when the gateway charged but its answer was lost, and the call is retried',
    async () => {
      const setDrop = (rate: number) =>
        fetch(`${base}/v1/sandbox/faults`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ drop_rate: rate }),
        });
      const orderId = nextOrder();
      const input = { order_id: orderId, user_id: 'user-9', amount: 15 };
      await setDrop(1);
      try {
        const lost = await expectMeshError(service().process(input), 'REMOTE_ERROR');
        expect(lost.data).toMatchObject({ reason: 'no_answer' });
      } finally {
        await setDrop(0);
      }
      expect(await chargesAt(orderId)).toHaveLength(1);
      const retried = await service().process(input);
      expect(retried.status).toBe('succeeded');
      const charges = await chargesAt(orderId);
      expect(charges).toHaveLength(1);
      expect(charges[0]?.id).toBe(retried.payment_id);
    },
  );

  it.skipIf(skip)(
    'reports a declined card as status declined and replays it without a second attempt',
    async () => {
      const orderId = nextOrder();
      const input = { order_id: orderId, user_id: 'user-4', amount: 5, payment_method: 'tok_chargeDeclined' };
      const declined = await service().process(input);
      expect(declined).toMatchObject({ status: 'declined', decline_code: 'generic_decline', amount: 5 });
      expect(declined.payment_id).toMatch(/^ch_/);
      expect(await service().process(input)).toEqual(declined);
      expect(await chargesAt(orderId)).toHaveLength(1);
    },
  );

  it.skipIf(skip)(
    'fails with TIMEOUT when the gateway hangs, and a refund then voids the order',
    async () => {
      const orderId = nextOrder();
      const input = { order_id: orderId, user_id: 'user-5', amount: 30, payment_method: 'tok_timeout' };
      await expectMeshError(service({ timeoutMs: 200 }).process(input), 'TIMEOUT');
      expect(await factory.open().get(orderId)).toBeUndefined();
      const refund = await service().refund(orderId, undefined);
      expect(refund).toEqual({ status: 'refunded', refund_id: null, amount: 0 });
      const refused = await expectMeshError(
        service().process({ ...input, payment_method: 'tok_visa' }),
        'CONFLICT',
      );
      expect(refused.data).toMatchObject({ reason: 'voided' });
      expect(await chargesAt(orderId)).toHaveLength(0);
    },
  );

  it.skipIf(skip)('fails with TIMEOUT when the caller gives up first', async () => {
    const input = { order_id: nextOrder(), user_id: 'user-5', amount: 30, payment_method: 'tok_timeout' };
    await expectMeshError(
      service({ timeoutMs: 5000 }).process(input, { signal: AbortSignal.timeout(100) }),
      'TIMEOUT',
    );
  });

  it.skipIf(skip)(
    'fails with REMOTE_ERROR on a gateway 5xx, an unreachable gateway or a rejected key',
    async () => {
      await expectMeshError(
        service().process({
          order_id: nextOrder(),
          user_id: 'u',
          amount: 1,
          payment_method: 'tok_gatewayError',
        }),
        'REMOTE_ERROR',
      );
      await expectMeshError(
        service({ baseUrl: 'http://127.0.0.1:9' }).process({
          order_id: nextOrder(),
          user_id: 'u',
          amount: 1,
        }),
        'REMOTE_ERROR',
      );
      const denied = await expectMeshError(
        service({ apiKey: 'sk_test_wrong' }).process({ order_id: nextOrder(), user_id: 'u', amount: 1 }),
        'REMOTE_ERROR',
      );
      expect(denied.data).toMatchObject({ gateway_status: 401 });
    },
  );

  it.skipIf(skip)('refunds a charge once however often the refund is repeated', async () => {
    const orderId = nextOrder();
    const paid = await service().process({ order_id: orderId, user_id: 'user-6', amount: 42.42 });
    const refund = await service().refund(orderId, undefined);
    expect(refund.status).toBe('refunded');
    expect(refund.refund_id).toMatch(/^re_/);
    expect(refund.amount).toBe(42.42);
    expect(await service().refund(orderId, undefined)).toEqual(refund);
    const charge = (await chargesAt(orderId))[0];
    expect(charge).toMatchObject({ id: paid.payment_id, amount_refunded: 4242, refunded: true });
    expect(await service().process({ order_id: orderId, user_id: 'user-6', amount: 42.42 })).toEqual(paid);
  });

  it.skipIf(skip)('refunds part of a charge when an amount is given', async () => {
    const orderId = nextOrder();
    await service().process({ order_id: orderId, user_id: 'user-7', amount: 10 });
    const refund = await service().refund(orderId, 2.5);
    expect(refund.amount).toBe(2.5);
    expect((await chargesAt(orderId))[0]).toMatchObject({ amount_refunded: 250, refunded: false });
  });

  it.skipIf(skip)('voids an order refunded before any charge, so a late charge is refused', async () => {
    const orderId = nextOrder();
    expect(await service().refund(orderId, undefined)).toEqual({
      status: 'refunded',
      refund_id: null,
      amount: 0,
    });
    await expectMeshError(service().process({ order_id: orderId, user_id: 'u', amount: 3 }), 'CONFLICT');
    expect(await chargesAt(orderId)).toHaveLength(0);
  });

  it.skipIf(skip)('gives nothing back for a declined order', async () => {
    const orderId = nextOrder();
    await service().process({
      order_id: orderId,
      user_id: 'u',
      amount: 3,
      payment_method: 'tok_chargeDeclined',
    });
    expect(await service().refund(orderId, undefined)).toEqual({
      status: 'refunded',
      refund_id: null,
      amount: 0,
    });
  });

  it.skipIf(skip)(
    'refuses the same order with a different amount, and amounts that are not whole cents',
    async () => {
      const orderId = nextOrder();
      await service().process({ order_id: orderId, user_id: 'u', amount: 7 });
      await expectMeshError(service().process({ order_id: orderId, user_id: 'u', amount: 8 }), 'CONFLICT');
      await expectMeshError(
        service().process({ order_id: nextOrder(), user_id: 'u', amount: 1.001 }),
        'VALIDATION_FAILED',
      );
      expect(await chargesAt(orderId)).toHaveLength(1);
    },
  );

  it.skipIf(skip)(
    'refunds a charge the gateway holds when the local record was lost, instead of voiding blindly',
    async () => {
      const orderId = nextOrder();
      const charged = await service({ store: new MemoryPaymentStore() }).process({
        order_id: orderId,
        user_id: 'user-7',
        amount: 15,
      });
      expect(charged.status).toBe('succeeded');
      // This store never saw the payment: its record was lost with the commits a database crash forgot.
      const refund = await service().refund(orderId, undefined);
      expect(refund).toMatchObject({ status: 'refunded', amount: 15 });
      expect(refund.refund_id).toMatch(/^re_/);
      const charges = await chargesAt(orderId);
      expect(charges).toHaveLength(1);
      const at = (await (
        await fetch(`${base}/v1/charges/${charges[0]!.id}`, { headers: { authorization: `Bearer ${KEY}` } })
      ).json()) as { amount_refunded: number };
      expect(at.amount_refunded).toBe(1500);
      // A repeat is a replay: nothing more is refunded, and the record now says refunded.
      expect(await service().refund(orderId, undefined)).toMatchObject({ status: 'refunded' });
      expect((await factory.open().get(orderId))?.status).toBe('refunded');
    },
  );

  it.skipIf(skip)('refunds a charge that landed after the order was voided, when asked again', async () => {
    const orderId = nextOrder();
    const store = factory.open();
    await store.void(orderId);
    // The charge reaches the gateway anyway (e.g. a request from before the void, still in flight).
    await fetch(`${base}/v1/charges`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': orderId,
      },
      body: new URLSearchParams({
        amount: '700',
        currency: 'usd',
        source: 'tok_visa',
        'metadata[order_id]': orderId,
      }).toString(),
    });
    const refund = await service().refund(orderId, undefined);
    expect(refund).toMatchObject({ status: 'refunded', amount: 7 });
    expect((await store.get(orderId))?.status).toBe('refunded');
  });

  it.skipIf(skip)('lists standing charges for reconciliation, leaving refunded ones out', async () => {
    const kept = nextOrder();
    const refunded = nextOrder();
    const since = Math.floor(Date.now() / 1000) - 1;
    await service().process({ order_id: kept, user_id: 'user-8', amount: 3 });
    await service().process({ order_id: refunded, user_id: 'user-8', amount: 4 });
    await service().refund(refunded, undefined);
    const { charges, truncated } = await service().standingCharges(since, 1000);
    expect(truncated).toBe(false);
    const ids = charges.map((c) => c.order_id);
    expect(ids).toContain(kept);
    expect(ids).not.toContain(refunded);
    expect(charges.find((c) => c.order_id === kept)).toMatchObject({ amount: 3, currency: 'usd' });
  });
});
