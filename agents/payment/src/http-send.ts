import http from 'node:http';
import https from 'node:https';

/** A reused keep-alive connection the server had already closed: the request never got an answer. */
class StaleConnection extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof StaleConnection ? error.original : error;
}

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 128, scheduling: 'lifo', timeout: 4_000 } as const;

/** One request to the payment gateway. */
export interface HttpSendRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts the request (timeout or the caller's deadline); the promise rejects with the signal's reason. */
  signal: AbortSignal;
}

export interface HttpSendResponse {
  status: number;
  text: string;
}

/**
 * A request over keep-alive node:http(s) agents, reused across calls. Cheaper per call than fetch (no web
 * streams, no WASM parser), which matters on the order path: every order makes one gateway call.
 */
export class HttpSender {
  // Idle connections close after 4 s, before a server with Node's default keep-alive (5 s) closes them.
  private readonly httpAgent = new http.Agent({ ...AGENT_OPTIONS });
  private readonly httpsAgent = new https.Agent({ ...AGENT_OPTIONS });

  /**
   * Sends once; if a reused keep-alive connection turns out to have been closed by the server (reset or hang
   * up before any answer), sends once more on a fresh one. Every gateway request is safe to repeat: POSTs
   * carry an Idempotency-Key, the rest are reads.
   */
  async send(request: HttpSendRequest): Promise<HttpSendResponse> {
    try {
      return await this.sendOnce(request);
    } catch (error: unknown) {
      if (!(error instanceof StaleConnection) || request.signal.aborted) throw unwrap(error);
      return this.sendOnce(request).catch((retryError: unknown) => {
        throw unwrap(retryError);
      });
    }
  }

  private sendOnce(request: HttpSendRequest): Promise<HttpSendResponse> {
    const { url, signal } = request;
    const isHttps = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const headers: Record<string, string | number> = { accept: 'application/json', ...request.headers };
      if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
      const req = (isHttps ? https : http).request(
        url,
        { method: request.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            signal.removeEventListener('abort', onAbort);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', fail);
        },
      );
      function fail(error: Error): void {
        signal.removeEventListener('abort', onAbort);
        const code = (error as NodeJS.ErrnoException).code;
        const stale = req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
        reject(stale ? new StaleConnection(error) : error);
      }
      function onAbort(): void {
        req.destroy();
        reject(signal.reason);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(request.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
