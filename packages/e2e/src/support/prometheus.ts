import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitFor } from '@mesh/testkit';
import type { StartedProcess } from '@mesh/testkit';

/** Whether Debian's `prometheus` binary is on PATH. */
export function prometheusInstalled(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

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
 * Starts `prometheus` with `configFile` (data under `dataDir`, exemplar storage on) on a free loopback port
 * and waits until it is ready.
 */
export async function startPrometheus(configFile: string, dataDir: string): Promise<RunningPrometheus> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: StartedProcess = startProcess('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ]);
  const running: RunningPrometheus = {
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
    stop: async () => {
      await server.stop(10_000);
    },
  };
  try {
    await waitFor(
      async () =>
        (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 200, description: `prometheus ready at ${url}` },
    );
  } catch (error: unknown) {
    await running.stop();
    throw new Error(`${String(error)}\n${server.output()}`);
  }
  return running;
}
