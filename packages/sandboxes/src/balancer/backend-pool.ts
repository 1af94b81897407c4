import type { BackendAddress } from './config.js';

/** A backend with what the balancer knows of it. */
export interface Backend extends BackendAddress {
  /** False after a failed probe or a refused connection, until a probe succeeds again. */
  healthy: boolean;
  /** Requests answered through it, for the status page and tests. */
  served: number;
}

/**
 * The backends in round-robin order. `pick` walks from the last one used and skips unhealthy backends; when
 * every backend is marked down it still offers them (a probe may lag a restart), so the caller's failover
 * decides rather than a stale mark.
 */
export class BackendPool {
  readonly backends: Backend[];
  private next = 0;

  constructor(addresses: readonly BackendAddress[]) {
    this.backends = addresses.map((a) => ({ host: a.host, port: a.port, healthy: true, served: 0 }));
  }

  /** The next backend to try, excluding those already tried for this request; undefined when none is left. */
  pick(tried: ReadonlySet<Backend>): Backend | undefined {
    const count = this.backends.length;
    const untried = (healthyOnly: boolean): Backend | undefined => {
      for (let step = 0; step < count; step += 1) {
        const backend = this.backends[(this.next + step) % count]!;
        if (tried.has(backend) || (healthyOnly && !backend.healthy)) continue;
        this.next = (this.backends.indexOf(backend) + 1) % count;
        return backend;
      }
      return undefined;
    };
    return untried(true) ?? untried(false);
  }
}
