import { Agent, request } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';

/** Latency and throughput of one load phase. */
export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** Fixed rate only: p99 of how late the generator dispatched requests against their schedule, in ms. */
  readonly lagP99?: number;
  /** Failures by kind: an HTTP status (`410`) or a transport error code (`ECONNRESET`). */
  readonly failures: Readonly<Record<string, number>>;
  /** The longest garbage-collection pause of the generator's own process during the run, in ms. */
  readonly generatorGcMaxMs: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly method: 'HEAD' | 'GET' | 'POST';
  /** Path (and body) of the n-th request. */
  readonly next: (n: number) => { path: string; body?: string };
  readonly connections: number;
  readonly durationMs: number;
  /** Fixed arrival rate (requests/s, open loop); omitted = as fast as the connections allow. */
  readonly rate?: number;
}

/** How long a fixed-rate phase waits for its backlog after the last dispatch before giving up on it. */
const DRAIN_GRACE_MS = 15_000;

/** Samples in a typed buffer that doubles when full: recording one allocates nothing the collector must scan. */
class Samples {
  #values = new Float64Array(1 << 14);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#length] = value;
    this.#length += 1;
  }

  /** The p-th percentile, rounded to 0.01. */
  percentile(p: number): number {
    if (this.#length === 0) return 0;
    const sorted = this.#values.slice(0, this.#length).sort();
    return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
  }
}

/** Watches this process's garbage-collection pauses while a run lasts. */
function watchGcPauses(): { stop(): number } {
  let longest = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return Number(longest.toFixed(2));
    },
  };
}

/**
 * A bounded load loop on node:http (which, unlike autocannon, knows a HEAD response has no body).
 * With `rate` (open loop), each request is dispatched when due whatever earlier ones are doing, and latency
 * counts from dispatch, so waiting for a free connection behind a slow server is included. The timer wakes
 * about once a millisecond, so dispatch can trail the schedule by a little: that lag is the generator's, not
 * the server's, and is reported apart (`lagP99`) to show the schedule held.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const latencies = new Samples();
  const lags = new Samples();
  const gc = watchGcPauses();
  let errors = 0;
  let sent = 0;
  const failures: Record<string, number> = {};
  const fail = (kind: string): void => {
    errors += 1;
    failures[kind] = (failures[kind] ?? 0) + 1;
  };
  const started = performance.now();
  const deadline = started + options.durationMs;
  let unanswered = 0;

  const once = (n: number, scheduledAt: number): Promise<void> =>
    new Promise((resolve) => {
      const { path, body } = options.next(n);
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          method: options.method,
          path,
          agent,
          headers:
            body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (unanswered > 0) return resolve();
            if ((res.statusCode ?? 500) >= 300) fail(String(res.statusCode));
            latencies.push(performance.now() - scheduledAt);
            resolve();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (unanswered > 0) return resolve();
        fail(error.code ?? 'ERROR');
        resolve();
      });
      req.end(body);
    });

  if (options.rate === undefined) {
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const n = sent;
        sent += 1;
        await once(n, performance.now());
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
  } else {
    const interval = 1000 / options.rate;
    const inflight = new Set<Promise<void>>();
    while (performance.now() < deadline) {
      const due = Math.floor((performance.now() - started) / interval);
      while (sent <= due) {
        const dispatched = performance.now();
        lags.push(dispatched - (started + sent * interval));
        const pending = once(sent, dispatched);
        inflight.add(pending);
        void pending.then(() => inflight.delete(pending));
        sent += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // A server slower than the rate leaves a backlog: wait for it a bounded time, then count what is still
    // unanswered as failures (and leave it), so a slow registry cannot stall the whole bench.
    const drained = await Promise.race([
      Promise.all(inflight).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), DRAIN_GRACE_MS)),
    ]);
    if (!drained) {
      unanswered = inflight.size;
      for (let i = 0; i < unanswered; i += 1) fail('unanswered');
    }
  }
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    rps: latencies.length / elapsedS,
    p50: latencies.percentile(50),
    p99: latencies.percentile(99),
    errors,
    ...(options.rate === undefined ? {} : { lagP99: lags.percentile(99) }),
    failures,
    generatorGcMaxMs: gc.stop(),
  };
}
