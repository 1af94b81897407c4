import type { ServerResponse } from 'node:http';
import type { Registry } from './core/registry.js';

/**
 * Server-Sent Events streams of topology changes, one per watching runtime (`GET /watch/{agent_id}`).
 * A runtime that receives `event: topology` re-POSTs its heartbeat; this is what makes a new provider
 * known in milliseconds instead of a heartbeat interval.
 */
export class WatchFeed {
  private readonly streams = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly registry: Registry,
    pingIntervalMs: number,
  ) {
    this.timer = setInterval(() => this.ping(), pingIntervalMs);
    this.timer.unref();
  }

  get size(): number {
    return this.streams.size;
  }

  /** Opens the stream on `res` for an agent the caller checked exists. */
  open(agentId: string, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`: watching ${agentId}\n\n`);
    res.socket?.setNoDelay(true);
    this.streams.add(res);
    const unsubscribe = this.registry.watch(agentId, (version) => {
      res.write(`event: topology\ndata: {"version":${version}}\n\n`);
    });
    res.on('close', () => {
      unsubscribe();
      this.streams.delete(res);
    });
  }

  private ping(): void {
    for (const res of this.streams) res.write(': ping\n\n');
  }

  /** Ends every stream (shutdown); clients reconnect to another replica or after restart. */
  closeAll(): void {
    clearInterval(this.timer);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
