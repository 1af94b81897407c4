import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import {
  FrameKind,
  FrameOutbox,
  FrameReader,
  MESH_STREAM_PROTOCOL,
  decodeAnswer,
  encodeFrame,
} from './mesh-stream-frames.js';
import type { Frame } from './mesh-stream-frames.js';

/** One call on a stream: its CALL frame, and where its outcome goes (one of the two, once). */
export interface StreamCall {
  readonly id: number;
  readonly frame: Buffer;
  answered(status: number, text: string): void;
  /** The connection dropped with the call in flight: `reused` when the stream had answered calls before it. */
  failed(error: Error, reused: boolean): void;
}

/** Where one stream connects: the provider's `/mcp` URL and the connection pool whose TLS checks apply. */
export interface StreamTarget {
  readonly url: URL;
  readonly agent: http.Agent;
}

/** Why a stream takes no more calls: its provider refused the upgrade (with this status, 0: no answer). */
export interface Retirement {
  readonly refusedWith?: number;
  /** It could not be opened at all (refused connection, handshake, reset). */
  readonly failedToOpen?: boolean;
}

/** What a stream tells its pool: when it opened, closed (after opening), and stopped taking calls. */
export interface MeshStreamEvents {
  /** The provider accepted the upgrade: the stream takes calls. */
  opened(stream: MeshStream): void;
  /** An open stream's connection closed, for whatever reason (GOAWAY, error, retirement, shutdown). */
  closed(stream: MeshStream): void;
  /** Once, when the stream takes no more calls (closed, refused, or its provider is going away). */
  retired(stream: MeshStream, why: Retirement): void;
}

/**
 * node:http(s) `request` as loaded, before span export may patch it (as in mcp-client.ts): the upgrade is
 * part of a mesh call, which has a client span of its own.
 */
const httpRequest = http.request;
const httpsRequest = https.request;

/**
 * How long an upgrade may go unanswered before the provider is taken for one behind an intermediary that
 * forwards requests but not upgrades (such a one never answers). Calls do not wait for the upgrade: they go
 * over HTTP until the stream is open.
 */
export const UPGRADE_TIMEOUT_MS = 10_000;

/**
 * One connection to one provider carrying many calls at once (see mesh-stream-frames.ts). It is opened as an
 * HTTP request through the caller's connection pool, so the same TLS checks accept or refuse the provider,
 * and upgraded; it takes calls once open (`accepting`). Frames written in one turn of the event loop go out in
 * one write.
 */
export class MeshStream {
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly calls = new Map<number, StreamCall>();
  private readonly reader = new FrameReader();
  private socket: Duplex | undefined;
  private request: http.ClientRequest | undefined;
  private readonly outbox = new FrameOutbox((bytes) => {
    if (this.state === 'open') this.socket?.write(bytes);
  });
  private answeredCalls = 0;
  private goneAway = false;
  private referenced = true;
  private retired = false;
  /** When the last call was handed to this stream (ms since the epoch). */
  lastUsed = Date.now();

  constructor(
    private readonly target: StreamTarget,
    private readonly events: MeshStreamEvents,
  ) {
    this.connect();
  }

  /** Open and taking calls. */
  get accepting(): boolean {
    return this.state === 'open' && !this.goneAway;
  }

  /** Calls in flight. */
  get load(): number {
    return this.calls.size;
  }

  /** Sends a call on this stream, which must be `accepting`; its outcome reaches the call's callbacks. */
  send(call: StreamCall): void {
    this.lastUsed = Date.now();
    this.calls.set(call.id, call);
    if (!this.referenced) {
      (this.socket as { ref?: () => void } | undefined)?.ref?.();
      this.referenced = true;
    }
    this.outbox.push(call.frame);
  }

  /** The caller gave up on a call: forget it, and tell the provider so its handler's signal aborts. */
  cancel(id: number): void {
    if (!this.calls.delete(id)) return;
    this.outbox.push(encodeFrame(FrameKind.CANCEL, id));
    this.afterCall();
  }

  /** Takes no new calls, and closes once the calls it carries are answered (its pool was replaced). */
  retire(): void {
    this.goneAway = true;
    if (this.state === 'connecting') this.request?.destroy();
    else if (this.calls.size === 0) this.socket?.end();
  }

  /** Closes the connection; calls in flight fail as on any lost connection. */
  destroy(): void {
    this.socket?.destroy();
    this.request?.destroy();
  }

  private markRetired(why: Retirement): void {
    if (this.retired) return;
    this.retired = true;
    this.events.retired(this, why);
  }

  private connect(): void {
    const { url, agent } = this.target;
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)({
      host: url.hostname,
      port: url.port || (isHttps ? 443 : 80),
      path: url.pathname,
      method: 'GET',
      agent,
      headers: { connection: 'Upgrade', upgrade: MESH_STREAM_PROTOCOL },
    });
    this.request = req;
    const timer = setTimeout(() => this.notOpened(req, { refusedWith: 0 }), UPGRADE_TIMEOUT_MS);
    timer.unref();
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      this.request = undefined;
      if (this.state !== 'connecting' || this.goneAway) {
        socket.destroy();
        this.notOpened(req, {});
      } else if (res.headers.upgrade?.toLowerCase() !== MESH_STREAM_PROTOCOL) {
        socket.destroy();
        this.notOpened(req, { refusedWith: res.statusCode ?? 0 });
      } else this.opened(socket, head);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      this.notOpened(req, { refusedWith: res.statusCode ?? 0 });
    });
    req.on('error', () => {
      clearTimeout(timer);
      this.notOpened(req, { failedToOpen: true });
    });
    req.end();
  }

  private notOpened(req: http.ClientRequest, why: Retirement): void {
    if (this.state !== 'connecting') return;
    this.state = 'closed';
    this.request = undefined;
    req.destroy();
    this.markRetired(why);
  }

  private opened(socket: Duplex, head: Buffer): void {
    this.socket = socket;
    this.state = 'open';
    (socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined); // 'close' follows, and fails what is in flight
    socket.on('close', () => this.closed());
    this.events.opened(this);
    if (head.length > 0) this.read(head);
    this.unreference();
  }

  private read(chunk: Buffer): void {
    try {
      this.reader.push(chunk, (frame) => this.onFrame(frame));
    } catch (error: unknown) {
      this.socket?.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private onFrame(frame: Frame): void {
    if (frame.kind === FrameKind.GOAWAY) {
      this.goneAway = true;
      this.markRetired({});
      if (this.calls.size === 0) this.socket?.end();
      return;
    }
    if (frame.kind !== FrameKind.ANSWER) return;
    const call = this.calls.get(frame.id);
    // A call cancelled meanwhile: its answer is dropped.
    if (call === undefined) return;
    this.calls.delete(frame.id);
    this.answeredCalls += 1;
    const { status, text } = decodeAnswer(frame.body);
    call.answered(status, text);
    this.afterCall();
  }

  private afterCall(): void {
    if (this.calls.size > 0) return;
    if (this.goneAway) this.socket?.end();
    else this.unreference();
  }

  /** An idle stream does not keep the process alive (as Node's agent unreferences its free sockets). */
  private unreference(): void {
    if (!this.referenced || this.calls.size > 0) return;
    (this.socket as { unref?: () => void } | undefined)?.unref?.();
    this.referenced = false;
  }

  private closed(): void {
    this.state = 'closed';
    this.goneAway = true;
    this.markRetired({});
    this.events.closed(this);
    const reused = this.answeredCalls > 0;
    const lost = [...this.calls.values()];
    this.calls.clear();
    for (const call of lost) call.failed(connectionLost(), reused);
  }
}

function connectionLost(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('mesh stream closed with the call in flight');
  error.code = 'ECONNRESET';
  return error;
}
