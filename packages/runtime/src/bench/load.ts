import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';

/** One call of the system under test; resolves when the answer is parsed. */
export type CallFn = (n: number) => Promise<unknown>;

export interface LatencyResult {
  ratePerSec: number;
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** Every latency, sorted (so slices can be merged). */
  latencies: number[];
}

export interface ThroughputResult {
  concurrency: number;
  callsPerSec: number;
  calls: number;
  seconds: number;
  errors: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Open-loop latency at a fixed rate: a call is sent at each due time whether or not earlier ones returned,
 * so a slow server cannot hide its queueing (no coordinated omission).
 */
export async function measureLatency(
  call: CallFn,
  ratePerSec: number,
  durationMs: number,
): Promise<LatencyResult> {
  const total = Math.round((ratePerSec * durationMs) / 1000);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(
      call(i).then(
        () => {
          latencies.push(performance.now() - sent);
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return {
    ratePerSec,
    calls: total,
    errors,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    latencies,
  };
}

/** Closed-loop throughput: `concurrency` callers back to back for `durationMs`. */
export async function measureThroughput(
  call: CallFn,
  concurrency: number,
  durationMs: number,
): Promise<ThroughputResult> {
  let done = 0;
  let errors = 0;
  let n = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      try {
        await call(n++);
        done += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { concurrency, callsPerSec: done / elapsed, calls: done, seconds: elapsed, errors };
}

/** A keep-alive JSON-RPC tools/call client (used for the baselines), over TLS when `tls` is given. */
export function rawToolCaller(
  port: number,
  tool: string,
  tls?: ConnectionOptions,
): { call: CallFn; close(): void } {
  const agent = tls
    ? new https.Agent({ keepAlive: true, maxSockets: 256, ...tls })
    : new http.Agent({ keepAlive: true, maxSockets: 256 });
  const transport = tls ? https : http;
  let id = 0;
  const call: CallFn = (n) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: ++id,
        method: 'tools/call',
        params: { name: tool, arguments: { n } },
      });
      const req = transport.request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                result?: unknown;
                error?: unknown;
              };
              if (res.statusCode !== 200 || message.error) reject(new Error(`HTTP ${res.statusCode}`));
              else resolve(message.result);
            } catch (error: unknown) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}
