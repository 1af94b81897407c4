import type http from 'node:http';
import { MeshStream } from './mesh-stream-client.js';
import type { StreamCall } from './mesh-stream-client.js';

/** How long a provider that refused an upgrade is called over plain HTTP before the upgrade is tried again. */
export const NO_STREAM_RETRY_MS = 5 * 60_000;

/**
 * The caller's mesh streams: one per provider and connection pool (in strict mode a pool per capability,
 * whose handshakes accept only that capability's providers), opened on the first call. A provider that
 * answers the upgrade with anything but 101 (an official MCP Mesh agent, an older runtime) is called over
 * HTTP for a while. A stream idle for `idleMs` is closed; one made through a pool that has since been replaced
 * (a certificate rotation) takes no new calls and closes when its calls are answered.
 */
export class MeshStreamPool {
  private readonly streams = new Map<string, { stream: MeshStream; agent: http.Agent }>();
  private readonly plainHttpUntil = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(idleMs, 10_000));
    this.sweeper.unref();
  }

  /**
   * Hands `call` to the stream for `url` (made through `agent`), or returns false when this provider is called
   * over HTTP for now.
   */
  send(url: URL, poolKey: string, agent: http.Agent, call: StreamCall): boolean {
    const until = this.plainHttpUntil.get(url.host);
    if (until !== undefined) {
      if (Date.now() < until) return false;
      this.plainHttpUntil.delete(url.host);
    }
    const key = `${poolKey}\n${url.host}`;
    let entry = this.streams.get(key);
    if (entry !== undefined && entry.agent !== agent) {
      // The pool was replaced (new certificates): new calls go on a new stream, this one closes when done.
      this.streams.delete(key);
      entry.stream.retire();
      entry = undefined;
    }
    if (entry === undefined) {
      const stream = new MeshStream({ url, agent }, (retired, refusedWith) =>
        this.retired(key, url.host, retired, refusedWith),
      );
      entry = { stream, agent };
      this.streams.set(key, entry);
    }
    entry.stream.send(call);
    return true;
  }

  /** Open streams (tests, metrics). */
  get size(): number {
    return this.streams.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const { stream } of this.streams.values()) stream.destroy();
    this.streams.clear();
  }

  private retired(key: string, host: string, stream: MeshStream, refusedWith: number | undefined): void {
    if (this.streams.get(key)?.stream === stream) this.streams.delete(key);
    // 503: the provider is draining, not unable; it is going away, so nothing is remembered of it.
    if (refusedWith !== undefined && refusedWith !== 503) {
      if (this.plainHttpUntil.size > 1000) this.plainHttpUntil.clear();
      this.plainHttpUntil.set(host, Date.now() + NO_STREAM_RETRY_MS);
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
