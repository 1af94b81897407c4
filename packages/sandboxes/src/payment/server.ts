import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readBody, sendJson, silentLogger, type Logger } from '@mesh/common';
import { listenOn, urlHost } from '../listen.js';
import { IdempotencyStore } from './idempotency.js';
import { Ledger, type Charge } from './ledger.js';
import { randomView } from './random-pool.js';
import { executeCharge, executeRefund, validateCharge, validateRefund, type Outcome } from './operations.js';
import { fingerprint, paramsFromJson, parseFormParams, type Params } from './request-params.js';
import { noSuch, sendStripeError, StripeError } from './stripe-error.js';

export interface PaymentSandboxOptions {
  /** The one secret key the sandbox accepts (Bearer or Basic username, as Stripe does). */
  apiKey: string;
  /** How long a `tok_timeout` request is held before its connection is closed unanswered. */
  hangMs?: number;
  /** Bound on charges and refunds kept for listing. */
  maxRecords?: number;
  /** Injected faults on charges and refunds, for chaos tests; also settable at POST /v1/sandbox/faults. */
  faults?: Partial<Faults>;
  /** Source of randomness for faults (tests pass a fixed sequence). */
  random?: () => number;
  logger?: Logger;
}

/**
 * Fault injection: `error_rate` answers 500 before anything executes (nothing saved, a retry may succeed);
 * `drop_rate` executes and saves the result but drops the connection unanswered, the case idempotency keys
 * exist for (a retry with the same key gets the saved answer; without a key it charges again).
 */
export interface Faults {
  error_rate: number;
  drop_rate: number;
  /** Every charge and refund waits this long before it executes: a slow gateway, held and then released. */
  delay_ms: number;
}

export interface PaymentSandbox {
  readonly server: Server;
  readonly ledger: Ledger;
  /** Listens on host:port (port 0 = any free port) and resolves with the base URL. */
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /** Stops listening and drops every connection, held ones included. */
  close(): Promise<void>;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly mutating: boolean;
  /** Subject to injected faults (charges and refunds). */
  readonly faultable?: boolean;
  readonly handle: (ctx: RouteContext) => Outcome;
}

interface RouteContext {
  readonly params: Params;
  readonly match: RegExpExecArray;
  readonly query: URLSearchParams;
}

const LIST_LIMIT_MAX = 100;

/**
 * A Stripe-like payment gateway in one process: charges, refunds, listing and idempotency keys, all
 * in memory. Clients talk to it exactly as they would to the real gateway, over HTTP.
 */
export function createPaymentSandbox(options: PaymentSandboxOptions): PaymentSandbox {
  const logger = options.logger ?? silentLogger();
  const hangMs = options.hangMs ?? 60_000;
  const ledger = new Ledger(options.maxRecords);
  const idempotency = new IdempotencyStore();
  const held = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  const expectedKey = Buffer.from(options.apiKey);
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);
  const faults: Faults = { error_rate: 0, drop_rate: 0, delay_ms: 0, ...options.faults };
  const random = options.random ?? Math.random;

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/v1\/charges$/,
      mutating: true,
      faultable: true,
      handle: ({ params }) => executeCharge(validateCharge(params), ledger, nowSeconds()),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges$/,
      mutating: false,
      handle: ({ query }) => listResponse('/v1/charges', ledger.listCharges(chargeFilter(query)), query),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges\/search$/,
      mutating: false,
      handle: ({ query }) => searchCharges(ledger, query),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges\/([^/]+)$/,
      mutating: false,
      handle: ({ match }) => found(ledger.getCharge(match[1]!), 'charge', match[1]!),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/refunds$/,
      mutating: true,
      faultable: true,
      handle: ({ params }) => executeRefund(validateRefund(params, ledger), ledger, nowSeconds()),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/refunds$/,
      mutating: false,
      handle: ({ query }) => {
        const charge = query.get('charge');
        return listResponse(
          '/v1/refunds',
          ledger.listRefunds((r) => charge === null || r.charge === charge),
          query,
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/refunds\/([^/]+)$/,
      mutating: false,
      handle: ({ match }) => found(ledger.getRefund(match[1]!), 'refund', match[1]!),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/sandbox\/faults$/,
      mutating: false,
      handle: () => ({ kind: 'respond', status: 200, body: { ...faults } }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/sandbox\/faults$/,
      mutating: true,
      handle: ({ params }) => {
        Object.assign(faults, parseFaults(params));
        logger.warn({ faults }, 'fault injection changed');
        return { kind: 'respond', status: 200, body: { ...faults } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/sandbox\/summary$/,
      mutating: false,
      handle: () => ({ kind: 'respond', status: 200, body: ledger.summary() }),
    },
  ];

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    let presented = '';
    if (header.startsWith('Bearer ')) presented = header.slice('Bearer '.length).trim();
    else if (header.startsWith('Basic ')) {
      presented = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':')[0] ?? '';
    }
    const given = Buffer.from(presented);
    return given.length === expectedKey.length && timingSafeEqual(given, expectedKey);
  }

  function hold(res: ServerResponse, onRelease: () => void): void {
    const entry = {
      res,
      timer: setTimeout(() => {
        held.delete(entry);
        res.destroy();
      }, hangMs),
    };
    held.add(entry);
    res.on('close', () => {
      clearTimeout(entry.timer);
      held.delete(entry);
      onRelease();
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health' && method === 'GET') {
      sendJson(res, 200, { status: 'ok', service: 'payment-sandbox', ...ledger.summary().charges });
      return;
    }
    let matched: { route: Route; match: RegExpExecArray } | undefined;
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (match !== null && route.method === method) matched = { route, match };
      if (matched !== undefined) break;
    }
    if (matched === undefined) {
      const error = new StripeError(
        404,
        'invalid_request_error',
        'resource_missing',
        `Unrecognized request URL (${method}: ${url.pathname}).`,
      );
      sendStripeError(res, error, requestId);
      req.resume();
      return;
    }
    if (!authorized(req)) {
      req.resume();
      const error = new StripeError(
        401,
        'invalid_request_error',
        'api_key_invalid',
        'Invalid API Key provided. Send Authorization: Bearer <secret key>.',
      );
      sendStripeError(res, error, requestId);
      return;
    }
    const params = matched.route.mutating ? await readParams(req) : {};
    const idempotencyKey = matched.route.mutating ? headerValue(req, 'idempotency-key') : undefined;
    const ctx: RouteContext = { params, match: matched.match, query: url.searchParams };
    const faultable = matched.route.faultable === true;
    if (faultable && faults.error_rate > 0 && random() < faults.error_rate) {
      const injected = new StripeError(
        500,
        'api_error',
        undefined,
        'An unknown error occurred (injected fault).',
      );
      sendStripeError(res, injected, requestId);
      return;
    }
    const dropAnswer = faultable && faults.drop_rate > 0 && random() < faults.drop_rate;
    if (faultable && faults.delay_ms > 0)
      await new Promise((resolve) => setTimeout(resolve, faults.delay_ms));

    if (idempotencyKey === undefined) {
      respond(res, requestId, run(matched.route, ctx), () => undefined, dropAnswer);
      return;
    }
    const decision = idempotency.begin(idempotencyKey, fingerprint(method, url.pathname, params));
    if (decision.kind === 'mismatch') {
      sendStripeError(
        res,
        new StripeError(
          400,
          'idempotency_error',
          'idempotency_key_in_use',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
        ),
        requestId,
      );
      return;
    }
    if (decision.kind === 'in_progress') {
      sendStripeError(
        res,
        new StripeError(
          409,
          'idempotency_error',
          'idempotency_key_in_use',
          `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`,
        ),
        requestId,
      );
      return;
    }
    if (decision.kind === 'replay') {
      logger.debug({ idempotencyKey }, 'replaying saved response');
      sendJson(res, decision.response.status, decision.response.body, {
        'request-id': requestId,
        'idempotent-replayed': 'true',
        'idempotency-key': idempotencyKey,
      });
      return;
    }
    const outcome = run(matched.route, ctx);
    if (outcome.kind === 'respond' && outcome.status !== 400 && outcome.status !== 404) {
      idempotency.complete(idempotencyKey, { status: outcome.status, body: outcome.body });
    } else if (outcome.kind === 'respond') {
      idempotency.abandon(idempotencyKey);
    }
    respond(res, requestId, outcome, () => idempotency.abandon(idempotencyKey), dropAnswer);
  }

  function respond(
    res: ServerResponse,
    requestId: string,
    outcome: Outcome,
    onRelease: () => void,
    drop = false,
  ): void {
    if (drop && outcome.kind === 'respond') {
      logger.info({ requestId, status: outcome.status }, 'answer dropped (injected fault)');
      res.destroy();
      return;
    }
    if (outcome.kind === 'hang') {
      logger.info({ requestId, hangMs }, 'holding request unanswered (tok_timeout)');
      hold(res, onRelease);
      return;
    }
    sendJson(res, outcome.status, outcome.body, { 'request-id': requestId });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const stripe =
        error instanceof StripeError
          ? error
          : new StripeError(500, 'api_error', undefined, 'An unknown error occurred.');
      if (!(error instanceof StripeError)) logger.error({ err: error }, 'sandbox request failed');
      if (!res.headersSent) sendStripeError(res, stripe, newRequestId());
      else res.destroy();
    });
  });

  return {
    server,
    ledger,
    async listen(port, host) {
      const bound = await listenOn(server, port, host);
      return { url: `http://${urlHost(host)}:${bound}`, port: bound };
    },
    close() {
      for (const entry of held) {
        clearTimeout(entry.timer);
        entry.res.destroy();
      }
      held.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function run(route: Route, ctx: RouteContext): Outcome {
  try {
    return route.handle(ctx);
  } catch (error: unknown) {
    if (error instanceof StripeError) return { kind: 'respond', status: error.status, body: error.toBody() };
    throw error;
  }
}

async function readParams(req: IncomingMessage): Promise<Params> {
  let raw: Buffer;
  try {
    raw = await readBody(req, { limitBytes: 64 * 1024 });
  } catch {
    throw new StripeError(
      400,
      'invalid_request_error',
      'parameter_invalid_empty',
      'Request body could not be read or is too large.',
    );
  }
  const text = raw.toString('utf8');
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.includes('application/json')) return parseFormParams(text);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_empty', 'Malformed JSON body.');
  }
  const params = paramsFromJson(parsed);
  if (params === undefined)
    throw new StripeError(400, 'invalid_request_error', undefined, 'JSON body must be an object.');
  return params;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

function found(record: object | undefined, kind: string, id: string): Outcome {
  if (record === undefined) throw noSuch(kind, id);
  return { kind: 'respond', status: 200, body: record };
}

function chargeFilter(query: URLSearchParams): (charge: Charge) => boolean {
  const status = query.get('status');
  const orderId = query.get('metadata[order_id]');
  const createdGte = query.get('created[gte]');
  const since = createdGte === null ? undefined : Number(createdGte);
  if (since !== undefined && !Number.isFinite(since)) {
    throw new StripeError(
      400,
      'invalid_request_error',
      'parameter_invalid_integer',
      'created[gte] must be a timestamp in seconds',
      { param: 'created[gte]' },
    );
  }
  return (charge) =>
    (status === null || charge.status === status) &&
    (orderId === null || charge.metadata['order_id'] === orderId) &&
    (since === undefined || charge.created >= since);
}

function listResponse(url: string, all: readonly object[], query: URLSearchParams): Outcome {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 10 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
    throw new StripeError(
      400,
      'invalid_request_error',
      'parameter_invalid_integer',
      `limit must be an integer from 1 to ${LIST_LIMIT_MAX}`,
      { param: 'limit' },
    );
  }
  const after = query.get('starting_after');
  let start = 0;
  if (after !== null) {
    start = all.findIndex((record) => (record as { id: string }).id === after) + 1;
    if (start === 0) throw noSuch('object', after, 'starting_after');
  }
  const data = all.slice(start, start + limit);
  return {
    kind: 'respond',
    status: 200,
    body: { object: 'list', url, data, has_more: start + limit < all.length, total_count: all.length },
  };
}

const SEARCH_CLAUSE = /^(?:metadata\['([^']+)'\]|(status)):'([^']*)'$/;

/** A subset of Stripe's search query language: clauses `metadata['k']:'v'` and `status:'v'` joined by AND. */
function searchCharges(ledger: Ledger, query: URLSearchParams): Outcome {
  const text = query.get('query');
  if (text === null || text.trim() === '') {
    throw new StripeError(
      400,
      'invalid_request_error',
      'parameter_missing',
      'Missing required param: query.',
      { param: 'query' },
    );
  }
  const clauses = text.split(/\s+AND\s+/).map((clause) => {
    const match = SEARCH_CLAUSE.exec(clause.trim());
    if (match === null) {
      throw new StripeError(
        400,
        'invalid_request_error',
        'parameter_invalid_string',
        `Unsupported search clause: ${clause}`,
        { param: 'query' },
      );
    }
    return match;
  });
  const data = ledger.listCharges((charge) =>
    clauses.every(([, key, status, value]) =>
      status !== undefined ? charge.status === value : charge.metadata[key!] === value,
    ),
  );
  return {
    kind: 'respond',
    status: 200,
    body: {
      object: 'search_result',
      url: '/v1/charges/search',
      data,
      has_more: false,
      total_count: data.length,
    },
  };
}

function parseFaults(params: Params): Partial<Faults> {
  const parsed: Partial<Faults> = {};
  const rawDelay = params['delay_ms'];
  if (rawDelay !== undefined) {
    const delay = typeof rawDelay === 'string' ? Number(rawDelay) : Number.NaN;
    if (!Number.isInteger(delay) || delay < 0 || delay > 600_000) {
      throw new StripeError(
        400,
        'invalid_request_error',
        'parameter_invalid_integer',
        'delay_ms must be an integer from 0 to 600000',
        { param: 'delay_ms' },
      );
    }
    parsed.delay_ms = delay;
  }
  for (const name of ['error_rate', 'drop_rate'] as const) {
    const raw = params[name];
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new StripeError(
        400,
        'invalid_request_error',
        'parameter_invalid_number',
        `${name} must be from 0 to 1`,
        {
          param: name,
        },
      );
    }
    parsed[name] = value;
  }
  return parsed;
}

function newRequestId(): string {
  return `req_${randomView(8).toString('hex')}`;
}
