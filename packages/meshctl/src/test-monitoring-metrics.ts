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

/** prom-client's default metrics (collectDefaultMetrics, called through @mesh/common's collectProcessMetrics) the dashboard reads. */
const DEFAULT_SERIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
];

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
    if (/collectDefaultMetrics\(\{ register|collectProcessMetrics\(this\./.test(text))
      for (const name of DEFAULT_SERIES) names.add(name);
    // `new Counter({ name: '…' })`, or a factory called as `counter('…', help, labels)` (`metricsIn`'s too).
    const declared =
      /new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:]+)'|\b(counter|gauge|histogram)\(\s*'([a-z_:]+)'/g;
    for (const match of text.matchAll(declared)) {
      const kind = (match[1] ?? match[3] ?? '').toLowerCase();
      const name = (match[2] ?? match[4])!;
      names.add(name);
      if (kind === 'histogram' || kind === 'summary')
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
