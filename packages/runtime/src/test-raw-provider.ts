import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawCall {
  headers: http.IncomingHttpHeaders;
  body: { id: number; params: { name: string; arguments: Record<string, unknown> } };
}

/**
 * `hang`: never answer; `reset`: drop this connection unanswered; `crash`: as a process dying mid-call, stop
 * listening and drop every connection (the call has been counted, so it ran).
 */
export type RawReply = { status: number; body: unknown } | 'hang' | 'reset' | 'crash';

/** A hand-scripted MCP provider for tests: each call's reply comes from `script`. */
export class RawProvider {
  readonly calls: RawCall[] = [];
  private server: http.Server | undefined;
  endpoint = '';

  constructor(private readonly script: (call: RawCall, index: number) => RawReply) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const call: RawCall = {
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawCall['body'],
        };
        this.calls.push(call);
        const reply = this.script(call, this.calls.length - 1);
        if (reply === 'hang') return;
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        if (reply === 'crash') {
          this.server?.close();
          this.server?.closeAllConnections();
          return;
        }
        const payload = JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(payload);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Starts a RawProvider and puts its stop on the test's cleanup list. */
export async function startRawProvider(
  script: (call: RawCall, index: number) => RawReply,
  cleanups: (() => Promise<void> | void)[],
): Promise<RawProvider> {
  const raw = new RawProvider(script);
  await raw.start();
  cleanups.push(() => raw.stop());
  return raw;
}

/** A successful tools/call reply with structured content. */
export function ok(call: RawCall, value: Record<string, unknown>): RawReply {
  return {
    status: 200,
    body: {
      jsonrpc: '2.0',
      id: call.body.id,
      result: { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value },
    },
  };
}

/** A tool error result carrying a MeshError code. */
export function toolError(call: RawCall, code: string, message: string): RawReply {
  const error = { error: { code, message } };
  return {
    status: 200,
    body: {
      jsonrpc: '2.0',
      id: call.body.id,
      result: {
        content: [{ type: 'text', text: JSON.stringify(error) }],
        structuredContent: error,
        isError: true,
      },
    },
  };
}
