import { startPrometheusWith } from '@mesh/testkit';

/** One series of an instant query: its labels and its value as Prometheus writes it ("0.5", "NaN"). */
export interface Sample {
  metric: Record<string, string>;
  value: string;
}

export interface ScrapeTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** One rule as Prometheus evaluates it: its health and, for an alert, its pending or firing instances. */
export interface EvaluatedRule {
  name: string;
  type: 'alerting' | 'recording';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  alerts?: { labels: Record<string, string>; state: 'pending' | 'firing' }[];
}

export interface Exemplar {
  labels: Record<string, string>;
  value: string;
  timestamp: number;
}

/** A Prometheus server of the test's own, on loopback, and its HTTP API. */
export interface RunningPrometheus {
  readonly url: string;
  /** An instant query; throws with Prometheus's error (a bad expression) rather than answering nothing. */
  query(expr: string): Promise<Sample[]>;
  targets(): Promise<ScrapeTarget[]>;
  exemplars(expr: string, startSeconds: number, endSeconds: number): Promise<Exemplar[]>;
  rules(): Promise<EvaluatedRule[]>;
  /** Every line Prometheus logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
  if (body.status !== 'success')
    throw new Error(`${body.errorType ?? 'error'}: ${body.error ?? response.status}`);
  return body.data;
}

/**
 * Starts `prometheus` with `configFile` (data under `dataDir`, exemplar storage on) on a free loopback port,
 * waits until it is ready, and wraps the parts of its HTTP API the tests read.
 */
export async function startPrometheus(configFile: string, dataDir: string): Promise<RunningPrometheus> {
  const server = await startPrometheusWith(configFile, dataDir, ['--enable-feature=exemplar-storage']);
  const { url } = server;
  return {
    url,
    query: async (expr) => {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `${url}/api/v1/query?${new URLSearchParams({ query: expr })}`,
      );
      return data.result.map((sample) => ({ metric: sample.metric, value: sample.value[1] }));
    },
    targets: async () =>
      (await api<{ activeTargets: ScrapeTarget[] }>(`${url}/api/v1/targets?state=active`)).activeTargets,
    exemplars: async (expr, startSeconds, endSeconds) =>
      (
        await api<{ exemplars: Exemplar[] }[]>(
          `${url}/api/v1/query_exemplars?${new URLSearchParams({
            query: expr,
            start: String(startSeconds),
            end: String(endSeconds),
          })}`,
        )
      ).flatMap((series) => series.exemplars),
    rules: async () =>
      (await api<{ groups: { rules: EvaluatedRule[] }[] }>(`${url}/api/v1/rules`)).groups.flatMap(
        (group) => group.rules,
      ),
    output: () => server.output(),
    stop: () => server.stop(),
  };
}
