/**
 * What the consumers of an agent saw of each of its versions, read from their Prometheus expositions: the
 * runtime labels `mesh_dependency_calls_total` and `mesh_dependency_duration_seconds` with the version of the
 * provider that answered last. Counters are cumulative, so a watch compares two samples (`deltaOf`).
 */

/** Calls, failed calls and the latency histogram (cumulative count per upper bound) of one version. */
export interface VersionStats {
  calls: number;
  errors: number;
  /** `le` (seconds, Infinity for +Inf) to cumulative count. */
  buckets: Map<number, number>;
}

/** Per agent version ('' when the consumer's registry did not say). */
export type VersionTotals = Map<string, VersionStats>;

const CALLS = 'mesh_dependency_calls_total';
const BUCKETS = 'mesh_dependency_duration_seconds_bucket';
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function statsOf(totals: VersionTotals, version: string): VersionStats {
  let stats = totals.get(version);
  if (stats === undefined) {
    stats = { calls: 0, errors: 0, buckets: new Map() };
    totals.set(version, stats);
  }
  return stats;
}

function labelsOf(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(LABEL)) labels.set(match[1]!, match[2]!);
  return labels;
}

/**
 * Adds one exposition's dependency calls on `capabilities` to `totals`: every outcome but `ok` is an error
 * (business errors included: both versions see the same share of those, so the comparison holds).
 */
export function addExposition(
  text: string,
  capabilities: ReadonlySet<string>,
  totals: VersionTotals = new Map(),
): VersionTotals {
  for (const line of text.split('\n')) {
    const isCalls = line.startsWith(`${CALLS}{`);
    if (!isCalls && !line.startsWith(`${BUCKETS}{`)) continue;
    const brace = line.lastIndexOf('}');
    const labels = labelsOf(line.slice(line.indexOf('{') + 1, brace));
    if (!capabilities.has(labels.get('capability') ?? '')) continue;
    const value = Number(
      line
        .slice(brace + 1)
        .trim()
        .split(' ')[0],
    );
    if (!Number.isFinite(value)) continue;
    const stats = statsOf(totals, labels.get('version') ?? '');
    if (isCalls) {
      stats.calls += value;
      if (labels.get('outcome') !== 'ok') stats.errors += value;
    } else {
      const le = labels.get('le') === '+Inf' ? Infinity : Number(labels.get('le'));
      stats.buckets.set(le, (stats.buckets.get(le) ?? 0) + value);
    }
  }
  return totals;
}

/** `after - before` per version (a consumer restarted in between may make a count drop: floored at 0). */
export function deltaOf(after: VersionTotals, before: VersionTotals): VersionTotals {
  const delta: VersionTotals = new Map();
  for (const [version, now] of after) {
    const then = before.get(version);
    const buckets = new Map<number, number>();
    for (const [le, count] of now.buckets) buckets.set(le, Math.max(0, count - (then?.buckets.get(le) ?? 0)));
    delta.set(version, {
      calls: Math.max(0, now.calls - (then?.calls ?? 0)),
      errors: Math.max(0, now.errors - (then?.errors ?? 0)),
      buckets,
    });
  }
  return delta;
}

/** Failed calls in percent; undefined without calls. */
export function errorPercent(stats: VersionStats | undefined): number | undefined {
  if (stats === undefined || stats.calls === 0) return undefined;
  return (stats.errors / stats.calls) * 100;
}

/**
 * The `q` quantile of the latency in seconds, interpolated linearly inside its bucket as Prometheus's
 * `histogram_quantile` does; the highest finite bound when it falls in +Inf; undefined without samples.
 */
export function latencyQuantile(stats: VersionStats | undefined, q = 0.95): number | undefined {
  if (stats === undefined) return undefined;
  const bounds = [...stats.buckets.keys()].sort((a, b) => a - b);
  const total = stats.buckets.get(Infinity) ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = stats.buckets.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, 1e-9));
    }
    lower = le;
    below = count;
  }
  return lower;
}
