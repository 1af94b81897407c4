import { newId, type Charge, type Ledger, type Refund } from './ledger.js';
import type { Params, ParamValue } from './request-params.js';
import { invalidParam, noSuch, StripeError } from './stripe-error.js';

/** What an executed operation answers; `hang` means never answer (the `tok_timeout` token). */
export type Outcome = { kind: 'respond'; status: number; body: unknown } | { kind: 'hang' };

interface TokenBehaviour {
  brand: string;
  last4: string;
  result: 'succeed' | 'decline' | 'hang' | 'error';
  declineCode?: string;
  code?: string;
  message?: string;
}

/**
 * Test tokens. The first five are Stripe's own; `tok_timeout` (never answers) and `tok_gatewayError`
 * (a 500) are sandbox additions so clients can prove their timeout and 5xx handling.
 */
export const TEST_TOKENS: Readonly<Record<string, TokenBehaviour>> = {
  tok_visa: { brand: 'Visa', last4: '4242', result: 'succeed' },
  tok_mastercard: { brand: 'MasterCard', last4: '4444', result: 'succeed' },
  tok_amex: { brand: 'American Express', last4: '8431', result: 'succeed' },
  tok_chargeDeclined: {
    brand: 'Visa',
    last4: '0002',
    result: 'decline',
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  },
  tok_chargeDeclinedInsufficientFunds: {
    brand: 'Visa',
    last4: '9995',
    result: 'decline',
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  tok_chargeDeclinedExpiredCard: {
    brand: 'Visa',
    last4: '0069',
    result: 'decline',
    code: 'expired_card',
    declineCode: 'expired_card',
    message: 'Your card has expired.',
  },
  tok_timeout: { brand: 'Visa', last4: '0000', result: 'hang' },
  tok_gatewayError: { brand: 'Visa', last4: '0119', result: 'error' },
};

const MIN_AMOUNT = 50;
const MAX_AMOUNT = 99_999_999;

function stringParam(params: Params, name: string): string | undefined {
  const value: ParamValue | undefined = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalidParam('parameter_invalid_string', name, `Invalid string: ${name}`);
  return value;
}

function amountParam(params: Params, name: string, required: boolean): number | undefined {
  const raw = stringParam(params, name);
  if (raw === undefined) {
    if (required) throw invalidParam('parameter_missing', name, `Missing required param: ${name}.`);
    return undefined;
  }
  if (!/^\d+$/.test(raw.trim())) {
    throw invalidParam('parameter_invalid_integer', name, `Invalid integer: ${raw}`);
  }
  return Number(raw.trim());
}

function metadataParam(params: Params): Record<string, string> {
  const value = params['metadata'];
  if (value === undefined || value === '') return {};
  if (typeof value === 'string')
    throw invalidParam('parameter_invalid_string', 'metadata', 'Invalid metadata: must be a hash');
  const metadata: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner !== 'string')
      throw invalidParam('parameter_invalid_string', `metadata[${key}]`, 'Invalid metadata value');
    metadata[key] = inner;
  }
  return metadata;
}

/** Validates parameters before anything executes; a throw here is not saved under the idempotency key. */
export function validateCharge(params: Params): {
  amount: number;
  currency: string;
  token: string;
  description: string | null;
  metadata: Record<string, string>;
} {
  const amount = amountParam(params, 'amount', true)!;
  if (amount < MIN_AMOUNT) {
    throw invalidParam('amount_too_small', 'amount', `Amount must be at least ${MIN_AMOUNT} cents`);
  }
  if (amount > MAX_AMOUNT) {
    throw invalidParam('amount_too_large', 'amount', `Amount must be no more than ${MAX_AMOUNT} cents`);
  }
  const currency = stringParam(params, 'currency');
  if (currency === undefined)
    throw invalidParam('parameter_missing', 'currency', 'Missing required param: currency.');
  if (!/^[a-zA-Z]{3}$/.test(currency)) {
    throw invalidParam('parameter_invalid_string', 'currency', `Invalid currency: ${currency}`);
  }
  const token = stringParam(params, 'source') ?? stringParam(params, 'payment_method');
  if (token === undefined)
    throw invalidParam('parameter_missing', 'source', 'Missing required param: source.');
  if (TEST_TOKENS[token] === undefined) throw noSuch('token', token, 'source');
  return {
    amount,
    currency: currency.toLowerCase(),
    token,
    description: stringParam(params, 'description') ?? null,
    metadata: metadataParam(params),
  };
}

/** Executes a validated charge against the ledger. */
export function executeCharge(
  input: ReturnType<typeof validateCharge>,
  ledger: Ledger,
  nowSeconds: number,
): Outcome {
  const behaviour = TEST_TOKENS[input.token]!;
  if (behaviour.result === 'hang') return { kind: 'hang' };
  if (behaviour.result === 'error') {
    const error = new StripeError(
      500,
      'api_error',
      undefined,
      'An unknown error occurred (sandbox token tok_gatewayError).',
    );
    return { kind: 'respond', status: error.status, body: error.toBody() };
  }
  const succeeded = behaviour.result === 'succeed';
  const charge: Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: input.amount,
    amount_refunded: 0,
    currency: input.currency,
    status: succeeded ? 'succeeded' : 'failed',
    paid: succeeded,
    captured: succeeded,
    refunded: false,
    created: nowSeconds,
    description: input.description,
    metadata: input.metadata,
    failure_code: succeeded ? null : (behaviour.code ?? 'card_declined'),
    failure_message: succeeded ? null : (behaviour.message ?? 'Your card was declined.'),
    outcome: succeeded
      ? { type: 'authorized', seller_message: 'Payment complete.' }
      : {
          type: 'issuer_declined',
          seller_message: 'The bank declined the payment.',
          decline_code: behaviour.declineCode ?? 'generic_decline',
        },
    source: { object: 'card', brand: behaviour.brand, last4: behaviour.last4, token: input.token },
  };
  ledger.addCharge(charge);
  if (succeeded) return { kind: 'respond', status: 200, body: charge };
  const error = new StripeError(
    402,
    'card_error',
    charge.failure_code ?? 'card_declined',
    charge.failure_message ?? '',
    {
      decline_code: behaviour.declineCode ?? 'generic_decline',
      charge: charge.id,
    },
  );
  return { kind: 'respond', status: error.status, body: error.toBody() };
}

/** Validates a refund request: the charge must exist, have succeeded and have money left to refund. */
export function validateRefund(
  params: Params,
  ledger: Ledger,
): { charge: Charge; amount: number; metadata: Record<string, string> } {
  const chargeId = stringParam(params, 'charge');
  if (chargeId === undefined)
    throw invalidParam('parameter_missing', 'charge', 'Missing required param: charge.');
  const charge = ledger.getCharge(chargeId);
  if (charge === undefined) throw noSuch('charge', chargeId, 'charge');
  if (charge.status !== 'succeeded') {
    throw invalidParam(
      'charge_not_refundable',
      'charge',
      `Charge ${chargeId} did not succeed, so it cannot be refunded.`,
    );
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidParam('charge_already_refunded', 'charge', `Charge ${chargeId} has already been refunded.`);
  }
  const amount = amountParam(params, 'amount', false) ?? remaining;
  if (amount <= 0)
    throw invalidParam('parameter_invalid_integer', 'amount', 'Refund amount must be positive.');
  if (amount > remaining) {
    throw invalidParam(
      'amount_too_large',
      'amount',
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
    );
  }
  return { charge, amount, metadata: metadataParam(params) };
}

/** Executes a validated refund. */
export function executeRefund(
  input: ReturnType<typeof validateRefund>,
  ledger: Ledger,
  nowSeconds: number,
): Outcome {
  const refund: Refund = {
    id: newId('re'),
    object: 'refund',
    amount: input.amount,
    charge: input.charge.id,
    currency: input.charge.currency,
    status: 'succeeded',
    created: nowSeconds,
    metadata: input.metadata,
  };
  ledger.addRefund(refund, input.charge);
  return { kind: 'respond', status: 200, body: refund };
}
