import http from 'node:http';
import https from 'node:https';
import { MeshError } from '@mesh/common';
import { FrameKind, encodeFrame } from './mesh-stream-frames.js';
import type { MeshStream, StreamCall } from './mesh-stream-client.js';
import { MeshStreamPool } from './mesh-stream-pool.js';
import type { MeshStreamWatchers } from './mesh-stream-pool.js';
import { ProviderCallLimit } from './provider-call-limit.js';

/** One `tools/call` to send to one provider. */
export interface ToolCallRequest {
  endpoint: string;
  functionName: string;
  args: Record<string, unknown>;
  timeoutMs: number;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** For error data (`provider`). */
  providerId: string;
  /** The provider accepts mesh streams (its registry kwargs say so). */
  streams?: boolean;
  /** What is called: with mTLS, the provider's certificate must name an agent allowed to provide it. */
  capability: string;
}

/** How the client makes mTLS connections (strict mode): one pool per capability, and a refusal hook. */
export interface ClientTls {
  agentFor(capability: string): https.Agent;
  providerRefused(capability: string, provider: string, reason: string): void;
}

interface JsonRpcResponse {
  id?: unknown;
  result?: {
    isError?: boolean;
    structuredContent?: unknown;
    content?: { type?: string; text?: string }[];
  };
  error?: { code?: number; message?: string; data?: unknown };
}

const ACCEPT = 'application/json, text/event-stream';

/**
 * node:http(s) `request` as loaded, before span export may patch it: a mesh call has a client span of its own
 * (`call <capability>`), so it bypasses the HTTP instrumentation's wrapper instead of paying for it on every
 * call only to be skipped.
 */
const httpRequest = http.request;
const httpsRequest = https.request;
/**
 * How long a pooled connection may sit idle before this side closes it. Agents' servers close theirs after
 * 65 s (http-server.ts), so 60 s keeps a quiet spell of up to a minute from costing a new connection (a TLS
 * handshake on both ends in strict mode) per call in flight when traffic comes back, while this side still
 * closes first, 5 s before the server would (Node's own agent leaves 1 s when a server announces its timeout).
 * An idle connection costs a socket and its TLS buffers on each end, no CPU; the pools are bounded (below).
 */
export const IDLE_CONNECTION_MS = 60_000;

/**
 * The runtime's MCP client: `tools/call` as frames on a mesh stream to providers that accept one and once
 * it is open (mesh-stream-pool.ts), otherwise over pooled keep-alive HTTP; no `initialize` (stateless, as
 * mesh agents call each other). Maps every failure to a MeshError whose data says whether the provider cannot
 * have run the call (`notProcessed`: refused, draining), may have (`outcomeUnknown`), or dropped a reused
 * connection (`staleConnection`, usually an idle close, so worth sending again when the call is safe).
 *
 * At most `maxConnectionsPerProvider` calls are in flight to one provider (over HTTP, each on its own
 * connection); more wait in order for one to finish (their deadline and abort signal run while they wait). A pool that grew
 * with the calls in flight would open a connection per extra call exactly when latency rises under load.
 */
export class McpHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly limit: ProviderCallLimit;
  private readonly streams: MeshStreamPool | undefined;
  private nextId = 1;
  private readonly urls = new Map<string, URL>();

  constructor(
    maxConnectionsPerProvider: number,
    private readonly tls?: ClientTls,
    /** `stream`: calls go on mesh streams to providers that accept them (see mesh-stream-frames.ts). */
    transport: MeshTransport = 'stream',
    /** The streams' metrics and fallback log. */
    streamWatchers: MeshStreamWatchers = {},
  ) {
    const options = poolOptions(maxConnectionsPerProvider);
    this.httpAgent = new http.Agent(options);
    this.httpsAgent = new https.Agent(options);
    this.limit = new ProviderCallLimit(maxConnectionsPerProvider);
    if (transport === 'stream') this.streams = new MeshStreamPool(IDLE_CONNECTION_MS, streamWatchers);
  }

  callTool(request: ToolCallRequest): Promise<unknown> {
    if (request.signal?.aborted) return Promise.reject(cancelledError(request));
    // Below 2^32: a mesh stream frame carries the id in four bytes.
    const id = this.nextId;
    this.nextId = id >= 0xffff_fff0 ? 1 : id + 1;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: request.functionName, arguments: request.args },
    });
    const url = this.mcpUrl(request.endpoint);
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let cancel: (() => void) | undefined;
      const finish = (error: MeshError | undefined, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        // The next waiting call may start inside `leave`: this one is settled by then.
        this.limit.leave(ticket);
        if (error) reject(error);
        else resolve(value);
      };
      // The deadline counts from here: a call that waits for a connection spends its own time waiting.
      const timer = setTimeout(() => {
        finish(timeoutError(request, cancel === undefined));
        cancel?.();
      }, request.timeoutMs);
      const onAbort = (): void => {
        finish(cancelledError(request));
        cancel?.();
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      const start = (): void => {
        const stream = request.streams === true ? this.streamFor(url, request) : undefined;
        if (stream !== undefined) {
          stream.send(new StreamedCall(id, request, body, finish, this.tls));
          cancel = () => stream.cancel(id);
          return;
        }
        try {
          const req = this.send(request, url, body, id, finish);
          cancel = () => req.destroy();
        } catch (error: unknown) {
          finish(
            new MeshError('CONNECTION_FAILED', `${request.providerId}: ${String(error)}`, { cause: error }),
          );
        }
      };
      const ticket = this.limit.ticket(url.host, start);
      this.limit.enter(ticket);
    });
  }

  /** The open mesh stream to the call's provider, if there is one (see MeshStreamPool). */
  private streamFor(url: URL, request: ToolCallRequest): MeshStream | undefined {
    if (this.streams === undefined) return undefined;
    if (url.protocol !== 'https:') return this.streams.streamTo(url, '', this.httpAgent, request.providerId);
    const agent = this.tls?.agentFor(request.capability) ?? this.httpsAgent;
    return this.streams.streamTo(url, request.capability, agent, request.providerId);
  }

  /** Sends one call on a pooled connection; every outcome ends in `finish`. */
  private send(
    request: ToolCallRequest,
    url: URL,
    body: string,
    id: number,
    finish: (error: MeshError | undefined, value?: unknown) => void,
  ): http.ClientRequest {
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(
      {
        host: url.hostname,
        port: url.port || (isHttps ? 443 : 80),
        path: url.pathname,
        method: 'POST',
        agent: isHttps ? (this.tls?.agentFor(request.capability) ?? this.httpsAgent) : this.httpAgent,
        headers: {
          'content-type': 'application/json',
          accept: ACCEPT,
          'content-length': Buffer.byteLength(body),
          ...request.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish(transportError(error, false, request)));
        res.on('end', () => {
          // A small answer arrives in one chunk: decoded as it is, without a copy.
          const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
          answered(res.statusCode ?? 0, res.headers['content-type'], text, id, request, finish);
        });
      },
    );
    req.on('error', (error) => failed(error, req.reusedSocket, request, finish, this.tls));
    req.end(body);
    return req;
  }

  /** Parsed `/mcp` URLs by endpoint (parsing a URL per call costs more than the lookup). */
  private mcpUrl(endpoint: string): URL {
    let url = this.urls.get(endpoint);
    if (!url) {
      url = new URL(`${endpoint.replace(/\/+$/, '')}/mcp`);
      if (this.urls.size > 1000) this.urls.clear();
      this.urls.set(endpoint, url);
    }
    return url;
  }

  /** Mesh streams open and taking calls (tests). */
  get openStreams(): number {
    return this.streams?.openStreams ?? 0;
  }

  close(): void {
    this.streams?.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The pool options of every client pool: keep-alive, at most `max` connections per provider, reused LIFO. */
export function poolOptions(max: number) {
  return {
    keepAlive: true,
    maxSockets: max,
    maxFreeSockets: max,
    // The most recently used connection first, so a quiet spell lets the others idle out.
    scheduling: 'lifo' as const,
    timeout: IDLE_CONNECTION_MS,
  };
}

/** How calls travel to providers: mesh streams where the provider accepts them, or one HTTP request each. */
export type MeshTransport = 'stream' | 'http';

type Finish = (error: MeshError | undefined, value?: unknown) => void;

/** A provider's answer, however it came: the call's result, or its error. */
function answered(
  status: number,
  contentType: string | undefined,
  text: string,
  id: number,
  request: ToolCallRequest,
  finish: Finish,
): void {
  try {
    finish(undefined, parseResponse(status, contentType, text, id, request));
  } catch (error: unknown) {
    finish(error instanceof MeshError ? error : new MeshError('REMOTE_ERROR', String(error)));
  }
}

/** A lost or refused connection, however the call travelled. */
function failed(
  error: Error,
  reused: boolean,
  request: ToolCallRequest,
  finish: Finish,
  tls?: ClientTls,
): void {
  const failure = transportError(error, reused, request);
  if (failure.data?.['tlsRejected'] === true)
    tls?.providerRefused(request.capability, request.providerId, error.message);
  finish(failure);
}

/** One call on a mesh stream: its frame carries the headers an HTTP request would. */
class StreamedCall implements StreamCall {
  readonly frame: Buffer;

  constructor(
    readonly id: number,
    private readonly request: ToolCallRequest,
    body: string,
    private readonly finish: Finish,
    private readonly tls: ClientTls | undefined,
  ) {
    this.frame = encodeFrame(FrameKind.CALL, id, `{"h":${JSON.stringify(request.headers)},"m":${body}}`);
  }

  answered(status: number, text: string): void {
    answered(status, 'application/json', text, this.id, this.request, this.finish);
  }

  failed(error: Error, reused: boolean): void {
    failed(error, reused, this.request, this.finish, this.tls);
  }
}

function timeoutError(request: ToolCallRequest, queued: boolean): MeshError {
  return new MeshError(
    'TIMEOUT',
    `${request.functionName} on ${request.providerId} timed out after ${request.timeoutMs} ms`,
    {
      // queuedForConnection: it waited for a place with the provider all along and was never sent.
      data: {
        provider: request.providerId,
        timeoutMs: request.timeoutMs,
        ...(queued ? { queuedForConnection: true } : {}),
      },
    },
  );
}

function cancelledError(request: ToolCallRequest): MeshError {
  return new MeshError(
    'TIMEOUT',
    `${request.functionName} on ${request.providerId} cancelled by the caller`,
    {
      data: { provider: request.providerId, cancelled: true },
    },
  );
}

/** Handshake failures: the provider's certificate was refused, so nothing was sent to it. */
const TLS_REJECTIONS = new Set([
  'PEER_IDENTITY_REJECTED',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function transportError(error: Error, reusedSocket: boolean, request: ToolCallRequest): MeshError {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  if (TLS_REJECTIONS.has(code)) {
    return new MeshError(
      'CONNECTION_FAILED',
      `${request.providerId} (${request.endpoint}) refused: ${error.message}`,
      {
        cause: error,
        data: { provider: request.providerId, errno: code, notProcessed: true, tlsRejected: true },
      },
    );
  }
  const refused = code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND';
  // A reset on a reused keep-alive socket is most often the server closing an idle connection (the request
  // never ran), but a provider that crashed mid-call looks exactly the same: only a refusal proves nothing ran.
  const staleSocket = reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
  return new MeshError('CONNECTION_FAILED', `${request.providerId} (${request.endpoint}): ${error.message}`, {
    cause: error,
    data: {
      provider: request.providerId,
      errno: code,
      notProcessed: refused,
      staleConnection: staleSocket,
      reusedConnection: reusedSocket,
      outcomeUnknown: !refused,
    },
  });
}

function parseResponse(
  status: number,
  contentType: string | undefined,
  text: string,
  id: number,
  request: ToolCallRequest,
): unknown {
  const provider = request.providerId;
  let message: JsonRpcResponse | undefined;
  try {
    message = contentType?.includes('text/event-stream')
      ? fromEventStream(text, id)
      : (JSON.parse(text) as JsonRpcResponse);
  } catch {
    message = undefined;
  }
  if (status === 503 && isDraining(text)) {
    throw new MeshError('CONNECTION_FAILED', `${provider} is shutting down`, {
      data: { provider, status, notProcessed: true, draining: true },
    });
  }
  if (status === 401 || status === 403) {
    // Refused by the provider's mTLS or capability policy: the tool did not run, and another replica would
    // answer the same, so this is neither retried nor failed over.
    throw new MeshError(
      status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
      message?.error?.message ?? `${provider} answered HTTP ${status}`,
      { data: { provider, status, remote: true, details: message?.error?.data } },
    );
  }
  if (!message || (status >= 300 && !message.error)) {
    throw new MeshError('REMOTE_ERROR', `${provider} answered HTTP ${status}`, {
      data: { provider, status, body: text.slice(0, 500) },
    });
  }
  if (message.error) {
    const rpcCode = message.error.code;
    const code = rpcCode === -32602 ? 'VALIDATION_FAILED' : rpcCode === -32601 ? 'NOT_FOUND' : 'REMOTE_ERROR';
    throw new MeshError(code, message.error.message ?? `JSON-RPC error ${rpcCode}`, {
      data: { remote: true, provider, rpcCode, details: message.error.data },
    });
  }
  const result = message.result ?? {};
  if (result.isError) {
    const fallbackText = result.content?.find((item) => item.type === 'text')?.text ?? 'remote tool failed';
    const remote = (asErrorBody(result.structuredContent) ?? asErrorBody(tryParse(fallbackText)))?.error;
    const data =
      remote?.data && typeof remote.data === 'object' ? (remote.data as Record<string, unknown>) : {};
    throw new MeshError(remote?.code ?? 'REMOTE_ERROR', remote?.message ?? fallbackText, {
      data: { ...data, remote: true, provider },
    });
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  const textItem = result.content?.find((item) => item.type === 'text')?.text;
  if (textItem === undefined) return result.content;
  try {
    return JSON.parse(textItem) as unknown;
  } catch {
    return textItem;
  }
}

function isDraining(text: string): boolean {
  return text.includes('"SHUTTING_DOWN"');
}

/** Picks our response out of an SSE body (official agents may answer tools/call as an event stream). */
function fromEventStream(text: string, id: number): JsonRpcResponse | undefined {
  let found: JsonRpcResponse | undefined;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    const parsed = JSON.parse(data) as JsonRpcResponse;
    if (parsed.id === id || (found === undefined && (parsed.result || parsed.error))) found = parsed;
  }
  return found;
}

interface RemoteErrorBody {
  error?: { code?: string; message?: string; data?: unknown };
}

function asErrorBody(value: unknown): RemoteErrorBody | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const error = (value as RemoteErrorBody).error;
  return typeof error === 'object' && error !== null && typeof error.code === 'string'
    ? (value as RemoteErrorBody)
    : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
