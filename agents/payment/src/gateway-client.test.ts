import net from 'node:net';
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

/**
 * A gateway that accepts connections and never answers: the client's own timeout and the caller's
 * cancellation both end the call as TIMEOUT (the charge may be running: a retry with the key finds out).
 */
describe('GatewayClient: a gateway that does not answer', () => {
  let server: net.Server;
  let client: GatewayClient;
  const sockets = new Set<net.Socket>();
  const request: ChargeRequest = {
    orderId: 'gc-silent',
    userId: 'user-1',
    amountCents: 1999,
    currency: 'usd',
    token: 'tok_visa',
    idempotencyKey: 'gc-silent',
  };

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    client = new GatewayClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    client?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up after the call timeout with TIMEOUT naming the path and the timeout', async () => {
    const started = Date.now();
    await expect(client.charge(request, { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      data: { gateway_path: '/v1/charges', timeout_ms: 150 },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("ends with TIMEOUT when the caller's signal aborts first", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gone')), 50);
    await expect(client.charge(request, { signal: controller.signal })).rejects.toMatchObject({
      code: 'TIMEOUT',
      data: { gateway_path: '/v1/charges', timeout_ms: 5_000 },
    });
  });

  it('sends nothing when the caller has already given up', async () => {
    const before = sockets.size;
    const controller = new AbortController();
    controller.abort(new Error('caller gone'));
    await expect(client.charge(request, { signal: controller.signal })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(sockets.size).toBe(before);
  });
});
