import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.js';

/** One load phase of requests to `${pathPrefix}${n % cycle}`, for a generator in its own process. */
export interface LoadRequest {
  readonly url: string;
  readonly method: 'HEAD' | 'GET';
  readonly pathPrefix: string;
  readonly cycle: number;
  readonly connections: number;
  readonly durationMs: number;
  readonly rate?: number;
}

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'load-process.js');

export function parseLoadRequest(json: string): LoadRequest {
  const value = JSON.parse(json) as Partial<LoadRequest>;
  const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (
    typeof value.url !== 'string' ||
    (value.method !== 'HEAD' && value.method !== 'GET') ||
    typeof value.pathPrefix !== 'string' ||
    !positive(value.cycle) ||
    !positive(value.connections) ||
    !positive(value.durationMs) ||
    (value.rate !== undefined && !positive(value.rate))
  ) {
    throw new Error(`load-process: bad request ${json}`);
  }
  return value as LoadRequest;
}

/**
 * Runs a load phase in a fresh node process. In the bench's own process (agent bodies, autocannon's results on
 * its heap) the collector paused for 4–6 ms a few times a second, and every response waiting out a pause counted
 * those milliseconds as server latency. A fresh process has a small heap and short pauses (reported as
 * `generatorGcMaxMs`).
 */
export function runSeparateLoad(request: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [ENTRY, JSON.stringify(request)],
      { timeout: request.durationMs + 60_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`load generator failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as LoadResult);
        } catch {
          reject(new Error(`load generator printed no result: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}
