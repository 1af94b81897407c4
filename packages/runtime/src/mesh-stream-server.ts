import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@mesh/common';
import type { MeshIdentity } from '@mesh/trust';
import { answerMcpMessage, unauthenticated } from './mcp-handler.js';
import type { McpEndpoint } from './mcp-handler.js';
import {
  FrameKind,
  FrameOutbox,
  FrameReader,
  MESH_STREAM_PROTOCOL,
  encodeFrame,
} from './mesh-stream-frames.js';
import type { Frame } from './mesh-stream-frames.js';
import type { CallerLink } from './tool-call-context.js';

/** How long a client may take to close its streams after GOAWAY before they are cut. */
const GOAWAY_GRACE_MS = 1000;

const PARSE_ERROR = JSON.stringify({
  jsonrpc: '2.0',
  id: null,
  error: { code: -32700, message: 'Parse error: the call frame is not {"h": headers, "m": message} JSON' },
});

const INTERNAL_ERROR = JSON.stringify({
  jsonrpc: '2.0',
  id: null,
  error: { code: -32603, message: 'Internal error' },
});

/** Where a server counts the streams it holds open, by caller (its identity's name in strict mode, else ''). */
export interface AcceptedStreamCounts {
  streamAccepted(caller: string): void;
  acceptedStreamClosed(caller: string): void;
}

/**
 * The provider's side of mesh streams (mesh-stream-frames.ts): the HTTP server's `upgrade` listener for
 * `GET /mcp` with `Upgrade: mesh-mcp/1`. The caller is authenticated once, at the upgrade, from its
 * certificate; each call is then authorized, validated and run exactly as an HTTP `/mcp` call is
 * (`answerMcpMessage`). Any other upgrade is refused with 400; a draining agent refuses with 503, so callers
 * send over HTTP, where they are told to call another replica.
 */
export class MeshStreamServer {
  private readonly streams = new Set<ServerStream>();

  constructor(
    private readonly endpoint: McpEndpoint,
    private readonly logger: Logger,
    private readonly metrics?: AcceptedStreamCounts,
  ) {}

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  readonly accept = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (
      (path !== '/mcp' && path !== '/mcp/') ||
      req.headers.upgrade?.toLowerCase() !== MESH_STREAM_PROTOCOL
    ) {
      refuse(socket, 400, {
        error: { code: 'BAD_REQUEST', message: `only ${MESH_STREAM_PROTOCOL} on /mcp` },
      });
      return;
    }
    if (this.endpoint.draining()) {
      refuse(socket, 503, { error: { code: 'SHUTTING_DOWN', message: 'agent is shutting down' } });
      return;
    }
    let caller: MeshIdentity | undefined;
    const guard = this.endpoint.guard;
    if (guard) {
      const peer = guard.authenticate(req);
      if (!peer.authenticated) {
        guard.refused(401, peer.reason, undefined, '(any)');
        refuse(socket, 401, unauthenticated(peer.reason));
        return;
      }
      caller = peer.identity;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${MESH_STREAM_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`,
    );
    const callerName = caller?.name ?? '';
    const stream = new ServerStream(socket, this.endpoint, caller, this.logger, () => {
      this.streams.delete(stream);
      this.metrics?.acceptedStreamClosed(callerName);
    });
    this.streams.add(stream);
    this.metrics?.streamAccepted(callerName);
    if (head.length > 0) stream.read(head);
  };

  /**
   * After the drain: tells every client to send nothing more (GOAWAY) and waits for them to close their
   * streams, at most GOAWAY_GRACE_MS, then cuts what is left. A call that crossed the GOAWAY is answered
   * (503, shutting down: it did not run), so no call is lost in the close.
   */
  async close(): Promise<void> {
    if (this.streams.size === 0) return;
    const closed = [...this.streams].map((stream) => stream.goAway());
    const cut = setTimeout(() => {
      for (const stream of this.streams) stream.destroy();
    }, GOAWAY_GRACE_MS);
    await Promise.all(closed);
    clearTimeout(cut);
  }
}

function refuse(socket: Duplex, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  const reason = status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n` +
      `connection: close\r\n\r\n${payload}`,
  );
}

/** One client's stream: its calls in flight, each with the link its handler's abort signal listens to. */
class ServerStream {
  private readonly reader = new FrameReader();
  private readonly calls = new Map<number, StreamCallLink>();
  private readonly outbox = new FrameOutbox((bytes) => {
    if (this.open) this.socket.write(bytes);
  });
  private open = true;
  private readonly whenClosed: Promise<void>;

  constructor(
    private readonly socket: Duplex,
    private readonly endpoint: McpEndpoint,
    private readonly caller: MeshIdentity | undefined,
    private readonly logger: Logger,
    onClosed: () => void,
  ) {
    (socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    (socket as { setKeepAlive?: (enable: boolean, delayMs: number) => void }).setKeepAlive?.(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    // The HTTP server's sockets are half-open: a client that closes its side closes the stream.
    socket.on('end', () => socket.end());
    this.whenClosed = new Promise((resolve) =>
      socket.once('close', () => {
        this.open = false;
        // The caller went away: every call still running sees its signal abort.
        for (const link of this.calls.values()) link.close();
        this.calls.clear();
        onClosed();
        resolve();
      }),
    );
  }

  read(chunk: Buffer): void {
    try {
      this.reader.push(chunk, (frame) => this.onFrame(frame));
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'mesh stream closed: unreadable frame');
      this.socket.destroy();
    }
  }

  goAway(): Promise<void> {
    if (this.open) this.outbox.push(encodeFrame(FrameKind.GOAWAY, 0));
    return this.whenClosed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Frame): void {
    if (frame.kind === FrameKind.CALL) this.call(frame.id, frame.body);
    else if (frame.kind === FrameKind.CANCEL) {
      const link = this.calls.get(frame.id);
      if (link === undefined) return;
      this.calls.delete(frame.id);
      link.close();
    }
  }

  private call(id: number, body: Buffer): void {
    let headers: IncomingHttpHeaders;
    let message: unknown;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { h?: unknown; m?: unknown };
      headers = headersOf(parsed.h);
      message = parsed.m;
    } catch {
      this.answer(id, 400, PARSE_ERROR);
      return;
    }
    const link = new StreamCallLink();
    this.calls.set(id, link);
    answerMcpMessage(message, headers, this.endpoint, this.caller, link)
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'unexpected error serving a mesh stream call');
        return { status: 500, payload: INTERNAL_ERROR };
      })
      .then((answered) => {
        link.finish();
        // Cancelled meanwhile (or the stream closed): the caller no longer waits for it.
        if (this.calls.get(id) !== link) return;
        this.calls.delete(id);
        this.answer(id, answered.status, answered.payload);
      });
  }

  private answer(id: number, status: number, payload: string): void {
    if (this.open) this.outbox.push(encodeFrame(FrameKind.ANSWER, id, payload, status));
  }
}

/** The string headers of a call frame (anything else is dropped), as the invoker reads HTTP headers. */
function headersOf(value: unknown): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  if (typeof value !== 'object' || value === null) return headers;
  for (const [name, header] of Object.entries(value)) if (typeof header === 'string') headers[name] = header;
  return headers;
}

/** A stream call's side of the caller: `close` when the caller cancels it or its stream closes. */
class StreamCallLink implements CallerLink {
  writableFinished = false;
  private listeners: (() => void)[] | undefined;

  once(_event: 'close', listener: () => void): this {
    (this.listeners ??= []).push(listener);
    return this;
  }

  off(_event: 'close', listener: () => void): this {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.listeners!.splice(at, 1);
    return this;
  }

  finish(): void {
    this.writableFinished = true;
  }

  close(): void {
    const listeners = this.listeners;
    this.listeners = undefined;
    if (this.writableFinished || listeners === undefined) return;
    for (const listener of listeners) listener();
  }
}
