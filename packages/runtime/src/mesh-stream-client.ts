import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import {
  FrameKind,
  FrameReader,
  MESH_STREAM_PROTOCOL,
  decodeAnswer,
  encodeFrame,
} from './mesh-stream-frames.js';
import type { Frame } from './mesh-stream-frames.js';

/** One call handed to a stream: its CALL frame, and where its outcome goes (exactly one of the three). */
export interface StreamCall {
  readonly id: number;
  readonly frame: Buffer;
  answered(status: number, text: string): void;
  /**
   * The connection failed. `sent`: the call had been written on it (else the stream never opened, so the
   * provider cannot have run it); `reused`: the stream had answered calls before.
   */
  failed(error: Error, sent: boolean, reused: boolean): void;
  /** The provider does not speak mesh streams (or refused the upgrade): send the call over plain HTTP. */
  fallback(): void;
  /** The stream that took the call (it cancels the call there). */
  bind(stream: MeshStream): void;
}

/** Where one stream connects: the provider's `/mcp` URL and the connection pool whose TLS checks apply. */
export interface StreamTarget {
  readonly url: URL;
  readonly agent: http.Agent;
}

/**
 * node:http(s) `request` as loaded, before span export may patch it (as in mcp-client.ts): the upgrade is
 * part of a mesh call, which has a client span of its own.
 */
const httpRequest = http.request;
const httpsRequest = https.request;

/**
 * How long a connection may take to upgrade before the calls waiting for it go over HTTP instead: an upgrade
 * takes a round trip (and a handshake); an intermediary that forwards requests but not upgrades never
 * answers one.
 */
export const UPGRADE_TIMEOUT_MS = 3000;

/**
 * One connection to one provider carrying many calls at once (see mesh-stream-frames.ts). It is opened as an
 * HTTP request through the caller's connection pool, so the same TLS checks accept or refuse the provider,
 * and upgraded. Calls made while it connects wait; if the provider answers the upgrade with anything but 101
 * they fall back to HTTP. Frames written in one tick go out in one write.
 */
export class MeshStream {
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly waiting = new Map<number, StreamCall>();
  private readonly calls = new Map<number, StreamCall>();
  private readonly reader = new FrameReader();
  private socket: Duplex | undefined;
  private outbox: Buffer[] = [];
  private flushScheduled = false;
  private answeredCalls = 0;
  private goneAway = false;
  private referenced = true;
  /** When the last call was handed to this stream (ms since the epoch). */
  lastUsed = Date.now();

  constructor(
    private readonly target: StreamTarget,
    /** Called once when the stream takes no more calls (closed, refused, or its provider is going away). */
    private readonly onRetired: (stream: MeshStream, upgradeRefusedWith?: number) => void,
  ) {
    this.connect();
  }

  /** Calls in flight or waiting for the connection. */
  get load(): number {
    return this.calls.size + this.waiting.size;
  }

  /** Sends a call now, or once connected; its outcome reaches the call's callbacks. */
  send(call: StreamCall): void {
    this.lastUsed = Date.now();
    if (this.state === 'closed' || this.goneAway) {
      call.fallback();
      return;
    }
    call.bind(this);
    if (this.state === 'connecting') this.waiting.set(call.id, call);
    else this.write(call);
  }

  /** The caller gave up on a call: forget it, and tell the provider so its handler's signal aborts. */
  cancel(id: number): void {
    if (this.waiting.delete(id)) return;
    if (this.calls.delete(id)) {
      this.queue(encodeFrame(FrameKind.CANCEL, id));
      this.afterCall();
    }
  }

  /** Takes no new calls, and closes once the calls it carries are answered (its pool was replaced). */
  retire(): void {
    this.goneAway = true;
    if (this.state === 'open' && this.calls.size === 0) this.socket?.end();
  }

  /** Closes the connection; calls in flight fail as on any lost connection. */
  destroy(): void {
    this.socket?.destroy();
    if (this.state === 'connecting') this.request?.destroy();
  }

  private request: http.ClientRequest | undefined;

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
    // No answer in time: the waiting calls go over HTTP, and the provider is called so for a while (status 0).
    const timer = setTimeout(() => {
      this.refused(0);
      req.destroy();
    }, UPGRADE_TIMEOUT_MS);
    timer.unref();
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      this.request = undefined;
      if (this.state !== 'connecting' || res.headers.upgrade?.toLowerCase() !== MESH_STREAM_PROTOCOL) {
        socket.destroy();
        this.refused(res.statusCode ?? 0);
        return;
      }
      this.opened(socket, head);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      this.refused(res.statusCode ?? 0);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (this.state !== 'connecting') return;
      this.state = 'closed';
      this.onRetired(this);
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const call of waiting) call.failed(error, false, false);
    });
    req.end();
  }

  private refused(status: number): void {
    if (this.state !== 'connecting') return;
    this.state = 'closed';
    this.request = undefined;
    this.onRetired(this, status);
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const call of waiting) call.fallback();
  }

  private opened(socket: Duplex, head: Buffer): void {
    this.socket = socket;
    this.state = 'open';
    (socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined); // 'close' follows, and fails what is in flight
    socket.on('close', () => this.closed());
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const call of waiting) this.write(call);
    if (head.length > 0) this.read(head);
    if (this.load === 0) {
      if (this.goneAway) socket.end();
      else this.unreference();
    }
  }

  private write(call: StreamCall): void {
    this.calls.set(call.id, call);
    if (!this.referenced) {
      (this.socket as { ref?: () => void } | undefined)?.ref?.();
      this.referenced = true;
    }
    this.queue(call.frame);
  }

  private queue(frame: Buffer): void {
    this.outbox.push(frame);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const frames = this.outbox;
    this.outbox = [];
    if (this.state !== 'open' || !this.socket || frames.length === 0) return;
    this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
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
      this.onRetired(this);
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
    if (!this.referenced) return;
    (this.socket as { unref?: () => void } | undefined)?.unref?.();
    this.referenced = false;
  }

  private closed(): void {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (!this.goneAway) this.onRetired(this);
    this.goneAway = true;
    if (!wasOpen) return;
    const reused = this.answeredCalls > 0;
    const lost = [...this.calls.values()];
    this.calls.clear();
    for (const call of lost) call.failed(connectionLost(), true, reused);
  }
}

function connectionLost(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('mesh stream closed with the call in flight');
  error.code = 'ECONNRESET';
  return error;
}
