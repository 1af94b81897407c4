import { createPaymentSandbox, type PaymentSandbox } from '@mesh/sandboxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, type ChargeRequest } from './gateway-client.js';

const KEY = 'sk_test_gateway_client_tests';

/**
 * What the client makes of the gateway's client errors, against the real sandbox on loopback: they are
 * PAYMENT_REJECTED (the order's fault, answered 4xx at the edge), never a code that reads as an outage.
 */
describe('GatewayClient: refused charges', () => {
  let sandbox: PaymentSandbox;
  let client: GatewayClient;
  let n = 0;

  const charge = (fields: Partial<ChargeRequest>): ChargeRequest => {
    n += 1;
    return {
      orderId: `gc-${n}`,
      userId: 'user-1',
      amountCents: 1999,
      currency: 'usd',
      token: 'tok_visa',
      idempotencyKey: `gc-${n}`,
      ...fields,
    };
  };

  beforeAll(async () => {
    sandbox = createPaymentSandbox({ apiKey: KEY });
    const base = (await sandbox.listen(0, '127.0.0.1')).url;
    client = new GatewayClient({ baseUrl: base, apiKey: KEY, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    client?.close();
    await sandbox?.close();
  });

  it('rejects an amount below the gateway minimum with PAYMENT_REJECTED naming the reason', async () => {
    await expect(client.charge(charge({ amountCents: 25 }))).rejects.toMatchObject({
      code: 'PAYMENT_REJECTED',
      data: { gateway_status: 400, gateway_code: 'amount_too_small' },
    });
  });

  it('rejects an unknown payment method with PAYMENT_REJECTED, not NOT_FOUND', async () => {
    await expect(client.charge(charge({ token: 'tok_bogus' }))).rejects.toMatchObject({
      code: 'PAYMENT_REJECTED',
      data: { gateway_status: 404, gateway_code: 'resource_missing' },
    });
  });

  it('still answers NOT_FOUND for a refund of a charge the gateway does not know', async () => {
    await expect(client.refund('ch_missing', undefined, 'refund-missing')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
