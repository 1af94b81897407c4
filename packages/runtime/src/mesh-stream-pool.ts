import type http from 'node:http';
import { MeshStream } from './mesh-stream-client.js';
import type { Retirement } from './mesh-stream-client.js';

/** How long a provider that refused an upgrade (or never answered one) is called over plain HTTP. */
export const NO_STREAM_RETRY_MS = 5 * 60_000;

/** How long after a stream failed to open (a refused connection, a handshake) another is tried. */
export const REOPEN_AFTER_MS = 1000;

/** Why a provider is called over plain HTTP for a while (`onPlainHttp`). */
export interface PlainHttpReason {
  readonly host: string;
  /** The upgrade's answer: an HTTP status, or 0 when none came in UPGRADE_TIMEOUT_MS. */
  readonly status: number;
}

/** Why a provider was switched to plain HTTP: it answered the upgrade with a refusal, or not at all. */
export type StreamFallbackReason = 'refused' | 'timeout';

/** Where a pool counts its streams (the runtime's metrics), by the agent id of the provider. */
export interface MeshStreamCounts {
  streamOpened(provider: string): void;
  streamClosed(provider: string): void;
  streamFellBack(provider: string, reason: StreamFallbackReason): void;
}

/** Who hears of a pool's streams besides its calls. */
export interface MeshStreamWatchers {
  readonly metrics?: MeshStreamCounts | undefined;
  /** A provider is called over plain HTTP for NO_STREAM_RETRY_MS (the runtime logs it once). */
  readonly onPlainHttp?: ((reason: PlainHttpReason) => void) | undefined;
}

/**
 * The caller's mesh streams: one per provider and connection pool (in strict mode a pool per capability,
 * whose handshakes accept only that capability's providers). The first call to a provider starts opening its
 * stream and goes over HTTP, as does every call until the stream is open, so no call waits for an upgrade.
 * A provider that answers the upgrade with anything but 101 (or not at all: an intermediary that forwards
 * requests only) is called over HTTP for NO_STREAM_RETRY_MS. A stream idle for `idleMs` is closed; one made
 * through a pool that has since been replaced (a certificate rotation) takes no new calls and closes when
 * its calls are answered.
 */
export class MeshStreamPool {
  private readonly streams = new Map<string, { stream: MeshStream; agent: http.Agent }>();
  private readonly plainHttpUntil = new Map<string, number>();
  private readonly reopenAt = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    private readonly watchers: MeshStreamWatchers = {},
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(idleMs, 10_000));
    this.sweeper.unref();
  }

  /**
   * The open stream to `url` made through `agent`, or undefined: the call then goes over HTTP (and, unless
   * this provider is called over HTTP for now, a stream starts opening, counted under `provider`).
   */
  streamTo(url: URL, poolKey: string, agent: http.Agent, provider: string): MeshStream | undefined {
    const until = this.plainHttpUntil.get(url.host);
    if (until !== undefined) {
      if (Date.now() < until) return undefined;
      this.plainHttpUntil.delete(url.host);
    }
    const key = `${poolKey}\n${url.host}`;
    const entry = this.streams.get(key);
    if (entry !== undefined && entry.agent === agent)
      return entry.stream.accepting ? entry.stream : undefined;
    if (entry !== undefined) {
      // The pool was replaced (new certificates): a new stream, and this one closes once its calls are done.
      this.streams.delete(key);
      entry.stream.retire();
    }
    this.open(key, url, agent, provider);
    return undefined;
  }

  /** Streams open and taking calls. */
  get openStreams(): number {
    let open = 0;
    for (const { stream } of this.streams.values()) if (stream.accepting) open += 1;
    return open;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const { stream } of this.streams.values()) stream.destroy();
    this.streams.clear();
  }

  private open(key: string, url: URL, agent: http.Agent, provider: string): void {
    const reopenAt = this.reopenAt.get(key);
    if (reopenAt !== undefined) {
      if (Date.now() < reopenAt) return;
      this.reopenAt.delete(key);
    }
    const metrics = this.watchers.metrics;
    const stream = new MeshStream(
      { url, agent },
      {
        opened: () => metrics?.streamOpened(provider),
        closed: () => metrics?.streamClosed(provider),
        retired: (retired, why) => this.retired(key, url.host, provider, retired, why),
      },
    );
    this.streams.set(key, { stream, agent });
  }

  private retired(key: string, host: string, provider: string, stream: MeshStream, why: Retirement): void {
    if (this.streams.get(key)?.stream === stream) this.streams.delete(key);
    if (why.failedToOpen) {
      if (this.reopenAt.size > 1000) this.reopenAt.clear();
      this.reopenAt.set(key, Date.now() + REOPEN_AFTER_MS);
    }
    // 503: the provider is draining, not unable; it is going away, so nothing is remembered of it.
    if (why.refusedWith !== undefined && why.refusedWith !== 503) {
      if (this.plainHttpUntil.size > 1000) this.plainHttpUntil.clear();
      this.plainHttpUntil.set(host, Date.now() + NO_STREAM_RETRY_MS);
      this.watchers.metrics?.streamFellBack(provider, why.refusedWith === 0 ? 'timeout' : 'refused');
      this.watchers.onPlainHttp?.({ host, status: why.refusedWith });
    }
  }

  private closeIdle(): void {
    const before = Date.now() - this.idleMs;
    for (const [key, { stream }] of this.streams) {
      if (stream.load === 0 && stream.lastUsed < before) {
        this.streams.delete(key);
        stream.destroy();
      }
    }
  }
}
