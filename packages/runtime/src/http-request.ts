import http from 'node:http';
import https from 'node:https';
import { MeshError } from '@mesh/common';

export interface SimpleResponse {
  status: number;
  text: string;
}

const registryAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const registryTlsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * A small request on node:http for registry traffic (heartbeats, deregistration). Used instead of fetch so an
 * agent does not load undici just to heartbeat (about 10 MB of RSS).
 */
export function simpleRequest(
  url: string,
  options: { method: string; body?: string; timeoutMs: number; httpsAgent?: https.Agent },
): Promise<SimpleResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const req = (isHttps ? https : http).request(
      target,
      {
        method: options.method,
        headers,
        agent: isHttps ? (options.httpsAgent ?? registryTlsAgent) : registryAgent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(
        new MeshError('TIMEOUT', `${options.method} ${url} timed out after ${options.timeoutMs} ms`),
      ),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
