import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { MeshError } from './mesh-error.js';

/** One HTTP exchange, read whole. */
export interface HttpExchange {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** For `https:` URLs: the mesh CA, and a client certificate where mTLS is required. */
  tls?: ConnectionOptions;
}

/**
 * A small request on node:http(s) for tools and tests (meshctl, readiness waits, probes), so one call works
 * over plain HTTP and over mTLS alike; fetch cannot take a client certificate without another library.
 */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpExchange> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const method = options.method ?? 'GET';
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const request = (isHttps ? https : http).request(
      target,
      { method, headers, agent: false, ...(isHttps ? options.tls : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () =>
      request.destroy(new MeshError('TIMEOUT', `${method} ${url} timed out after ${timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/**
 * `httpRequest` with a fetch-shaped answer, for code written against fetch's `Response` that must also
 * speak mTLS (meshctl against a strict mesh, test waits).
 */
export async function httpResponse(url: string, options: HttpRequestOptions = {}): Promise<Response> {
  const exchange = await httpRequest(url, options);
  const headers = new Headers();
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const bodyless = exchange.status === 204 || exchange.status === 304 || options.method === 'HEAD';
  return new Response(bodyless ? null : exchange.text, { status: exchange.status, headers });
}
