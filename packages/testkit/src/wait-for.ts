import type { ConnectionOptions } from 'node:tls';
import { httpResponse } from '@mesh/common';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description?: string;
}

/** Polls `check` until it returns a non-undefined value, or fails after `timeoutMs` with the last error. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error: unknown) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.description ?? 'condition'}${reason}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until `url` answers with a status below 500 (or exactly `status` when given). `tls` (the mesh CA,
 * and a certificate where needed) makes it work against a strict-mode process.
 */
export function waitForHttp(
  url: string,
  options: WaitOptions & { status?: number; tls?: ConnectionOptions } = {},
): Promise<Response> {
  return waitFor(
    async () => {
      const response = options.tls
        ? await httpResponse(url, { tls: options.tls, timeoutMs: 2000 })
        : await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!options.tls) await response.arrayBuffer();
      const ok = options.status === undefined ? response.status < 500 : response.status === options.status;
      return ok ? response : undefined;
    },
    { description: url, ...options },
  );
}
