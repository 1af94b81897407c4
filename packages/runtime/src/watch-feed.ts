import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '@mesh/common';

/** What became of a watch attempt. */
export type WatchEnd = 'unsupported' | 'closed' | 'error';

/**
 * The registry's change feed (`GET /watch/{agent_id}`, Server-Sent Events): calls `onChange` on every
 * `topology` event, so new replicas take traffic within moments instead of a heartbeat interval.
 * A registry without the feed answers 404 (`unsupported`); the caller then relies on HEAD heartbeats.
 */
export class WatchFeed {
  private request: http.ClientRequest | undefined;
  private live = false;
  private stopped = false;

  constructor(
    private readonly registryUrl: string,
    private readonly agentId: string,
    private readonly onChange: (version: number | undefined) => void,
    private readonly logger: Logger,
    private readonly tls?: () => ConnectionOptions,
  ) {}

  get connected(): boolean {
    return this.live;
  }

  get active(): boolean {
    return this.request !== undefined;
  }

  /**
   * Opens the stream; `onLive` is called when the registry accepted it, `onEnd` once when it ends for any
   * reason (not after `close`).
   */
  open(onEnd: (why: WatchEnd) => void, onLive?: () => void): void {
    if (this.request || this.stopped) return;
    const url = new URL(`${this.registryUrl}/watch/${encodeURIComponent(this.agentId)}`);
    const transport = url.protocol === 'https:' ? https : http;
    let ended = false;
    const end = (why: WatchEnd): void => {
      if (ended) return;
      ended = true;
      this.live = false;
      if (this.request === req) this.request = undefined;
      if (!this.stopped) onEnd(why);
    };
    const tls = this.tls?.() ?? {};
    const req = transport.get(
      url,
      { headers: { accept: 'text/event-stream' }, agent: false, ...tls },
      (res) => {
        if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream')) {
          res.resume();
          end(res.statusCode === 404 || res.statusCode === 405 ? 'unsupported' : 'error');
          return;
        }
        this.live = true;
        this.logger.debug('watching registry change feed');
        onLive?.();
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let boundary = buffer.search(/\r?\n\r?\n/);
          while (boundary !== -1) {
            const event = buffer.slice(0, boundary);
            buffer = buffer.slice(
              buffer.slice(boundary).startsWith('\r\n\r\n') ? boundary + 4 : boundary + 2,
            );
            this.dispatch(event);
            boundary = buffer.search(/\r?\n\r?\n/);
          }
        });
        res.on('end', () => end('closed'));
        res.on('error', () => end('error'));
        res.on('close', () => end('closed'));
      },
    );
    req.on('error', () => end('error'));
    // No data at all for a long time (pings come every 15 s) means a dead connection.
    req.setTimeout(45_000, () => req.destroy());
    this.request = req;
  }

  private dispatch(event: string): void {
    let name = 'message';
    let data = '';
    for (const line of event.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (name !== 'topology') return;
    let version: number | undefined;
    try {
      const parsed = JSON.parse(data) as { version?: unknown };
      version = typeof parsed.version === 'number' ? parsed.version : undefined;
    } catch {
      version = undefined;
    }
    this.onChange(version);
  }

  close(): void {
    const req = this.request;
    this.stopped = true;
    this.request = undefined;
    this.live = false;
    req?.destroy();
  }
}
