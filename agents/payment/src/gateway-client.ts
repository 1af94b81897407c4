import { MeshError, silentLogger, type Logger } from '@mesh/common';
import { HttpSender, isDeadlineError } from './http-send.js';

export interface GatewayClientOptions {
  /** Base URL of the Stripe-like gateway (the local sandbox by default). */
  baseUrl: string;
  apiKey: string;
  /** Longest wait for one gateway call. */
  timeoutMs: number;
  logger?: Logger;
  /** Waits between retries of a 409 "key in progress" answer. */
  inProgressRetryMs?: number;
}

export interface ChargeRequest {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  token: string;
  idempotencyKey: string;
}

export type GatewayCharge =
  | { status: 'succeeded'; chargeId: string }
  | { status: 'declined'; chargeId: string | undefined; declineCode: string; message: string };

export interface CallOptions {
  /** The caller's cancellation (its deadline); the client adds its own timeout on top. */
  signal?: AbortSignal | undefined;
  /** A shorter timeout than the configured one, e.g. what is left of the caller's deadline. */
  timeoutMs?: number | undefined;
}

/** A succeeded charge as the gateway reports it (amounts in cents). */
export interface FoundCharge {
  chargeId: string;
  orderId: string | undefined;
  userId: string | undefined;
  amountCents: number;
  amountRefundedCents: number;
  currency: string;
  /** Epoch seconds. */
  created: number;
}

function toFoundCharge(raw: unknown): FoundCharge | undefined {
  const c = raw as {
    id?: unknown;
    amount?: unknown;
    amount_refunded?: unknown;
    currency?: unknown;
    created?: unknown;
    metadata?: Record<string, unknown>;
  };
  if (typeof c.id !== 'string' || typeof c.amount !== 'number') return undefined;
  const orderId = c.metadata?.['order_id'];
  const userId = c.metadata?.['user_id'];
  return {
    chargeId: c.id,
    orderId: typeof orderId === 'string' ? orderId : undefined,
    userId: typeof userId === 'string' ? userId : undefined,
    amountCents: c.amount,
    amountRefundedCents: typeof c.amount_refunded === 'number' ? c.amount_refunded : 0,
    currency: typeof c.currency === 'string' ? c.currency : '',
    created: typeof c.created === 'number' ? c.created : 0,
  };
}

interface StripeErrorBody {
  error?: { type?: string; code?: string; decline_code?: string; message?: string; charge?: string };
}

/**
 * A client for a Stripe-like gateway. It maps the gateway's answers onto the mesh's vocabulary: a decline is
 * a result (a business outcome), a gateway that does not answer in time is TIMEOUT, a 5xx or an unreachable
 * gateway is REMOTE_ERROR, a refused request is a business error the caller must not retry.
 */
export class GatewayClient {
  private readonly baseUrl: string;
  private readonly logger: Logger;
  private readonly inProgressRetryMs: number;
  private readonly http = new HttpSender();

  constructor(private readonly options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.logger = options.logger ?? silentLogger();
    this.inProgressRetryMs = options.inProgressRetryMs ?? 200;
  }

  /** Charges once per idempotency key: a retry with the same key gets the first answer replayed. */
  async charge(request: ChargeRequest, options: CallOptions = {}): Promise<GatewayCharge> {
    const form = new URLSearchParams({
      amount: String(request.amountCents),
      currency: request.currency,
      source: request.token,
      description: `order ${request.orderId}`,
      'metadata[order_id]': request.orderId,
      'metadata[user_id]': request.userId,
    });
    const reply = await this.send('POST', '/v1/charges', form, request.idempotencyKey, options);
    if (reply.status === 200) {
      const body = reply.body as { id?: unknown; status?: unknown };
      if (typeof body.id !== 'string') throw this.malformed('charge', reply.status);
      return { status: 'succeeded', chargeId: body.id };
    }
    const error = (reply.body as StripeErrorBody).error;
    if (reply.status === 402 && error?.type === 'card_error') {
      return {
        status: 'declined',
        chargeId: error.charge,
        declineCode: error.decline_code ?? error.code ?? 'card_declined',
        message: error.message ?? 'card declined',
      };
    }
    throw this.refused(reply.status, error, 'charge');
  }

  /** Refunds a charge (all that is left of it when `amountCents` is undefined). */
  async refund(
    chargeId: string,
    amountCents: number | undefined,
    idempotencyKey: string,
    options: CallOptions = {},
  ): Promise<{ refundId: string; amountCents: number }> {
    const form = new URLSearchParams({ charge: chargeId });
    if (amountCents !== undefined) form.set('amount', String(amountCents));
    const reply = await this.send('POST', '/v1/refunds', form, idempotencyKey, options);
    if (reply.status === 200) {
      const body = reply.body as { id?: unknown; amount?: unknown };
      if (typeof body.id !== 'string' || typeof body.amount !== 'number') throw this.malformed('refund', 200);
      return { refundId: body.id, amountCents: body.amount };
    }
    throw this.refused(reply.status, (reply.body as StripeErrorBody).error, 'refund');
  }

  /**
   * The succeeded charge for an order, found by the key every charge carries (`metadata.order_id`, the same
   * order id as its Idempotency-Key), or undefined when the gateway holds none. This is how an order without a
   * local payment record learns whether money was taken before anything is voided.
   */
  async findSucceededCharge(orderId: string, options: CallOptions = {}): Promise<FoundCharge | undefined> {
    const query = `metadata['order_id']:'${orderId.replace(/'/g, "\\'")}' AND status:'succeeded'`;
    const reply = await this.send(
      'GET',
      `/v1/charges/search?query=${encodeURIComponent(query)}`,
      undefined,
      undefined,
      options,
    );
    if (reply.status !== 200)
      throw this.refused(reply.status, (reply.body as StripeErrorBody).error, 'search');
    const data = (reply.body as { data?: unknown[] }).data ?? [];
    const charges = data.map((raw) => toFoundCharge(raw)).filter((c) => c !== undefined);
    // A standing charge first: that is the money to give back.
    return charges.find((c) => c.amountRefundedCents < c.amountCents) ?? charges[0];
  }

  /**
   * Succeeded charges not fully refunded, created at or after `createdSince` (epoch seconds), newest first,
   * at most `max` of them (pages of 100, as Stripe lists). For reconciliation.
   */
  async listStandingCharges(
    createdSince: number,
    max: number,
    options: CallOptions = {},
  ): Promise<{ charges: FoundCharge[]; truncated: boolean }> {
    const charges: FoundCharge[] = [];
    let after: string | undefined;
    for (let page = 0; page < Math.ceil(max / 100); page += 1) {
      const query = new URLSearchParams({
        status: 'succeeded',
        'created[gte]': String(Math.floor(createdSince)),
        limit: '100',
      });
      if (after !== undefined) query.set('starting_after', after);
      const reply = await this.send('GET', `/v1/charges?${query}`, undefined, undefined, options);
      if (reply.status !== 200)
        throw this.refused(reply.status, (reply.body as StripeErrorBody).error, 'list');
      const body = reply.body as { data?: unknown[]; has_more?: unknown };
      const data = body.data ?? [];
      for (const raw of data) {
        const charge = toFoundCharge(raw);
        if (charge !== undefined && charge.amountRefundedCents < charge.amountCents) charges.push(charge);
      }
      const last = data[data.length - 1] as { id?: unknown } | undefined;
      if (body.has_more !== true || typeof last?.id !== 'string') return { charges, truncated: false };
      after = last.id;
    }
    return { charges, truncated: true };
  }

  private async send(
    method: string,
    path: string,
    form: URLSearchParams | undefined,
    idempotencyKey: string | undefined,
    options: CallOptions,
  ): Promise<{ status: number; body: unknown }> {
    const timeoutMs = Math.max(
      1,
      Math.min(this.options.timeoutMs, options.timeoutMs ?? Number.POSITIVE_INFINITY),
    );
    const deadline = Date.now() + timeoutMs;
    const { signal } = options;
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}` };
    if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    for (let attempt = 1; ; attempt += 1) {
      let reply: { status: number; text: string };
      try {
        reply = await this.http.send({
          method,
          url: new URL(`${this.baseUrl}${path}`),
          headers,
          body: form?.toString(),
          signal,
          deadline,
        });
      } catch (error: unknown) {
        const gaveUp = isDeadlineError(error) || signal?.aborted === true || Date.now() >= deadline;
        throw this.transportError(error, gaveUp, timeoutMs, path);
      }
      let body: unknown;
      try {
        body = JSON.parse(reply.text);
      } catch {
        body = undefined;
      }
      // 409: another request with this key is still running (a concurrent retry); wait for it to finish.
      const retryIn = this.inProgressRetryMs * attempt;
      if (reply.status === 409 && Date.now() + retryIn < deadline) {
        this.logger.debug(
          { path, idempotencyKey, attempt },
          'gateway request with this key in progress; waiting',
        );
        await new Promise((resolve) => setTimeout(resolve, retryIn));
        continue;
      }
      return { status: reply.status, body };
    }
  }

  /** Closes idle keep-alive connections to the gateway (shutdown). */
  close(): void {
    this.http.close();
  }

  /** `gaveUp`: the call's timeout passed or the caller cancelled, rather than the gateway failing. */
  private transportError(error: unknown, gaveUp: boolean, timeoutMs: number, path: string): MeshError {
    if (gaveUp) {
      return new MeshError('TIMEOUT', `payment gateway did not answer ${path} within ${timeoutMs} ms`, {
        cause: error,
        data: { gateway_path: path, timeout_ms: timeoutMs },
      });
    }
    // Refused, reset or closed without an answer: the charge may or may not have happened; a retry with
    // the same idempotency key finds out without charging twice.
    const detail = error instanceof Error ? `${error.message}${causeText(error)}` : String(error);
    return new MeshError('REMOTE_ERROR', `payment gateway gave no answer: ${detail}`, {
      cause: error,
      data: { gateway_path: path, reason: 'no_answer' },
    });
  }

  private refused(status: number, error: StripeErrorBody['error'], what: string): MeshError {
    const data = { gateway_status: status, gateway_type: error?.type, gateway_code: error?.code };
    const message = `payment gateway refused the ${what} (${status}${error?.code ? ` ${error.code}` : ''}): ${error?.message ?? 'no message'}`;
    if (status >= 500 || status === 429) return new MeshError('REMOTE_ERROR', message, { data });
    if (status === 401 || status === 403) {
      this.logger.error({ status }, 'payment gateway rejected the API key; check PAYMENT_API_KEY');
      return new MeshError('REMOTE_ERROR', message, { data });
    }
    if (status === 409) return new MeshError('TIMEOUT', `${message} (still in progress)`, { data });
    if (error?.type === 'idempotency_error') return new MeshError('CONFLICT', message, { data });
    // A charge's 404 is an unknown payment method (no such token): the order's fault, like a bad amount.
    if (status === 404 && what !== 'charge') return new MeshError('NOT_FOUND', message, { data });
    return new MeshError('PAYMENT_REJECTED', message, { data });
  }

  private malformed(what: string, status: number): MeshError {
    return new MeshError('REMOTE_ERROR', `payment gateway sent a malformed ${what} answer`, {
      data: { gateway_status: status },
    });
  }
}

function causeText(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}
