import { histogramQuantile } from './histogram-quantile.js';
import type { Bucket } from './histogram-quantile.js';
import type { Sample } from './prometheus-text.js';
import type { EdgeMetrics } from './types.js';

/** The runtime's dependency families (packages/runtime/src/metrics.ts) the page needs. */
export const DEPENDENCY_CALLS = 'mesh_dependency_calls_total';
export const DEPENDENCY_DURATION_BUCKET = 'mesh_dependency_duration_seconds_bucket';
export const DEPENDENCY_PREFIXES = [DEPENDENCY_CALLS, DEPENDENCY_DURATION_BUCKET] as const;

/** What one replica did per capability between its last two scrapes. */
interface CapabilityDelta {
  calls: number;
  errors: number;
  /** le -> increase of the cumulative bucket. */
  buckets: Map<number, number>;
}

interface ReplicaScrape {
  readonly agent: string;
  readonly atMs: number;
  readonly values: ReadonlyMap<string, number>;
}

interface ReplicaWindow {
  readonly agent: string;
  readonly seconds: number;
  readonly byCapability: ReadonlyMap<string, CapabilityDelta>;
}

function seriesKey(sample: Sample): string {
  const { capability = '', outcome = '', le = '' } = sample.labels;
  return `${sample.name}\u0000${capability}\u0000${outcome}\u0000${le}`;
}

/** A counter's increase; a smaller value means the process restarted and counts from zero again. */
function increase(current: number, previous: number | undefined): number {
  if (previous === undefined) return 0;
  return current >= previous ? current - previous : current;
}

/**
 * Rates from successive scrapes of each replica's `/metrics`, as Prometheus's `rate()` would give over the
 * last `windowMs`: calls per second, the share that failed (outcome other than `ok`) and the p95 latency,
 * per consumer agent and capability. Only the scrapes inside the window are kept.
 */
export class DependencyRates {
  private readonly history = new Map<string, ReplicaScrape[]>();
  private readonly windows = new Map<string, ReplicaWindow>();

  /** `windowMs`: how far back the rates look, like the range of `rate(…[10s])` (at least one scrape back). */
  constructor(private readonly windowMs = 10_000) {}

  /** Records one scrape of replica `replicaId` of agent `agent`, taken at `atMs`. */
  record(replicaId: string, agent: string, samples: readonly Sample[], atMs: number): void {
    const values = new Map<string, number>();
    for (const sample of samples) {
      if (sample.name !== DEPENDENCY_CALLS && sample.name !== DEPENDENCY_DURATION_BUCKET) continue;
      values.set(seriesKey(sample), (values.get(seriesKey(sample)) ?? 0) + sample.value);
    }
    const history = (this.history.get(replicaId) ?? []).filter((scrape) => scrape.atMs < atMs);
    history.push({ agent, atMs, values });
    while (history.length > 2 && atMs - history[1]!.atMs >= this.windowMs) history.shift();
    this.history.set(replicaId, history);
    const previous = history.length > 1 ? history[0] : undefined;
    if (previous === undefined) return;
    const byCapability = new Map<string, CapabilityDelta>();
    for (const [key, value] of values) {
      const [name = '', capability = '', outcome = '', le = ''] = key.split('\u0000');
      const delta = increase(value, previous.values.get(key));
      let entry = byCapability.get(capability);
      if (entry === undefined) {
        entry = { calls: 0, errors: 0, buckets: new Map() };
        byCapability.set(capability, entry);
      }
      if (name === DEPENDENCY_CALLS) {
        entry.calls += delta;
        if (outcome !== 'ok') entry.errors += delta;
      } else {
        const bound = le === '+Inf' ? Infinity : Number(le);
        if (!Number.isNaN(bound)) entry.buckets.set(bound, (entry.buckets.get(bound) ?? 0) + delta);
      }
    }
    this.windows.set(replicaId, { agent, seconds: (atMs - previous.atMs) / 1000, byCapability });
  }

  /** Drops what is kept for replicas no longer registered. */
  retain(replicaIds: ReadonlySet<string>): void {
    for (const id of [...this.history.keys()]) if (!replicaIds.has(id)) this.history.delete(id);
    for (const id of [...this.windows.keys()]) if (!replicaIds.has(id)) this.windows.delete(id);
  }

  /** The edge from `agent` over `capabilities`, summed over its replicas; null before two scrapes. */
  edgeMetrics(agent: string, capabilities: readonly string[]): EdgeMetrics | null {
    let callsPerSecond = 0;
    let calls = 0;
    let errors = 0;
    let seconds = 0;
    let seen = false;
    const buckets = new Map<number, number>();
    for (const window of this.windows.values()) {
      if (window.agent !== agent) continue;
      seen = true;
      seconds = Math.max(seconds, window.seconds);
      for (const capability of capabilities) {
        const delta = window.byCapability.get(capability);
        if (delta === undefined) continue;
        calls += delta.calls;
        errors += delta.errors;
        callsPerSecond += window.seconds > 0 ? delta.calls / window.seconds : 0;
        for (const [le, count] of delta.buckets) buckets.set(le, (buckets.get(le) ?? 0) + count);
      }
    }
    if (!seen) return null;
    const cumulative: Bucket[] = [...buckets].map(([le, count]) => ({ le, count }));
    return {
      callsPerSecond,
      errorRatio: calls > 0 ? errors / calls : null,
      p95Seconds: calls > 0 ? histogramQuantile(0.95, cumulative) : null,
      windowSeconds: seconds,
    };
  }
}
