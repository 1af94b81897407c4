import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Helpers for the deploy-file tests: which metric names and label values the TypeScript sources really
 * register, and which ones the dashboard and alert expressions use, so a stale name or label value (a panel
 * that is always empty or always 100 %) fails a test rather than a dashboard.
 */

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Series Prometheus itself makes for every target or rule; no source registers them. */
const PROMETHEUS_SERIES = ['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds'];

/** prom-client's default metrics (collectDefaultMetrics) the dashboard reads. */
const DEFAULT_SERIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
];

/**
 * Series of RabbitMQ's rabbitmq_prometheus plugin (3.10 and later) that the dashboard and alerts read: the
 * aggregated `/metrics` and the per-queue `/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count`.
 * No source of ours registers them; the dashboard test (packages/e2e) reads them from a real broker.
 */
export const BROKER_SERIES = [
  'rabbitmq_detailed_queue_messages',
  'rabbitmq_detailed_queue_messages_ready',
  'rabbitmq_detailed_queue_messages_unacked',
  'rabbitmq_detailed_queue_consumers',
  'rabbitmq_global_messages_received_total',
  'rabbitmq_global_messages_routed_total',
  'rabbitmq_global_messages_delivered_total',
  'rabbitmq_global_messages_acknowledged_total',
  'rabbitmq_global_messages_unroutable_dropped_total',
  'rabbitmq_connections',
  'rabbitmq_channels',
];

/**
 * Event-bus metrics being added to packages/backends beside this work (published, fell back, consumed, lag,
 * queue depth and consumers), which the dashboard and alerts already read. Until the sources register them they
 * count as registered here and the dashboard test skips the expressions that read them; a test fails as soon as
 * the sources register one, so the name leaves this list then.
 */
export const PENDING_EVENT_BUS_SERIES = [
  'mesh_events_published_total',
  'mesh_events_fell_back_total',
  'mesh_events_consumed_total',
  'mesh_events_consumer_lag_seconds',
  'mesh_events_queue_messages',
  'mesh_events_queue_consumers',
];

/** The `outcome` values of those pending metrics (published: confirmed, failed; consumed: the rest). */
export const PENDING_EVENT_BUS_OUTCOMES = [
  'confirmed',
  'failed',
  'acked',
  'retried',
  'dead_lettered',
  'duplicate',
];

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.startsWith('test-'))
      out.push(path);
  }
  return out;
}

/** The non-test TypeScript sources of the runtime, the registry, the backends and every agent. */
export function metricSources(root: string): string[] {
  const dirs = ['packages/runtime/src', 'packages/registry/src', 'packages/backends/src'].map((dir) =>
    join(root, dir),
  );
  for (const agent of readdirSync(join(root, 'agents'))) dirs.push(join(root, 'agents', agent, 'src'));
  return dirs.flatMap((dir) => {
    try {
      return sourceFiles(dir);
    } catch {
      return [];
    }
  });
}

/** Every series name the sources can expose: `name: '...'` of prom-client metrics, histogram series included. */
export function registeredMetricNames(files: readonly string[]): Set<string> {
  const names = new Set<string>(PROMETHEUS_SERIES);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (/collectDefaultMetrics\(\{ register/.test(text)) for (const name of DEFAULT_SERIES) names.add(name);
    for (const match of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:]+)'/g)) {
      const [, kind, name] = match as unknown as [string, string, string];
      names.add(name);
      if (kind === 'Histogram' || kind === 'Summary')
        for (const suffix of HISTOGRAM_SUFFIXES) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/**
 * Values the sources can give an `outcome` label: the quoted lower-case words on lines that set an outcome
 * (`outcome = 'ok'`, `outcome: accepted ? 'buffered' : 'duplicate'`, `count('ok')`) and the error codes
 * (quoted upper-case words), which the runtime uses as the outcome of a failed call.
 */
export function emittedOutcomes(files: readonly string[]): Set<string> {
  const values = new Set<string>();
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/help:/.test(line)) continue;
      for (const match of line.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) values.add(match[1]!);
      if (/\boutcome\b|\bcount\(|\.inc\(/.test(line))
        for (const match of line.matchAll(/'([a-z][a-z_]*)'/g)) values.add(match[1]!);
    }
  }
  return values;
}

/** The label matchers of an expression: label, operator and the alternatives of its value. */
export function labelMatchers(expr: string): { label: string; op: string; values: string[] }[] {
  const out: { label: string; op: string; values: string[] }[] = [];
  for (const selector of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const m of selector[1]!.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      const [, label, op, value] = m as unknown as [string, string, string, string];
      out.push({ label, op, values: op.endsWith('~') ? value.split('|') : [value] });
    }
  }
  return out;
}

/** The metric names a PromQL expression reads (functions, keywords, label names and numbers left out). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/([a-zA-Z_:][\w:]*)\s*(\()?/g)) {
    const [, word, call] = match as unknown as [string, string, string | undefined];
    if (call !== undefined || KEYWORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}
