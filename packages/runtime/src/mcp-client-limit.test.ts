import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/common';
import { McpHttpClient } from './mcp-client.js';
import type { ToolCallRequest } from './mcp-client.js';

/** A provider that holds every call until told to answer, and counts the connections made to it. */
class HeldProvider {
  connections = 0;
  readonly received: number[] = [];
  private readonly held: (() => void)[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { id, params } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: number;
        params: { arguments: { n: number } };
      };
      this.received.push(params.arguments.n);
      this.held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', id, result: { structuredContent: { n: params.arguments.n } } }),
        );
      });
    });
  });
  endpoint = '';

  async start(): Promise<void> {
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` calls are held here. */
  async holding(count: number): Promise<void> {
    for (let waited = 0; this.held.length < count; waited += 5) {
      if (waited > 5000) throw new Error(`only ${this.held.length} of ${count} calls arrived`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  answerAll(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  /** Answers every call as soon as it arrives from now on. */
  answerFreely(): void {
    this.answerAll();
    this.held.push = (...answers: (() => void)[]): number => {
      for (const answer of answers) answer();
      return 0;
    };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startProvider(): Promise<HeldProvider> {
  const provider = new HeldProvider();
  await provider.start();
  cleanups.push(() => provider.stop());
  return provider;
}

function clientWith(limit: number): McpHttpClient {
  const client = new McpHttpClient(limit);
  cleanups.push(() => client.close());
  return client;
}

function call(
  client: McpHttpClient,
  provider: HeldProvider,
  n: number,
  extra: Partial<ToolCallRequest> = {},
): Promise<unknown> {
  return client.callTool({
    endpoint: provider.endpoint,
    functionName: 'echo',
    args: { n },
    timeoutMs: 5000,
    headers: {},
    providerId: 'held-provider',
    capability: 'echo',
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<MeshError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof MeshError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('McpHttpClient: connections per provider', () => {
  it('opens at most the bound, queues the other calls on those connections and answers them all', async () => {
    const provider = await startProvider();
    const client = clientWith(3);
    const calls = Array.from({ length: 20 }, (_, n) => call(client, provider, n));
    await provider.holding(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Three at the provider, seventeen waiting here: nothing more was sent or connected.
    expect(provider.received).toHaveLength(3);
    expect(provider.connections).toBe(3);
    provider.answerFreely();
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
    expect(provider.connections).toBe(3);
    // First come, first served.
    expect(provider.received).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it('fails a call whose deadline passes while it waits with the usual TIMEOUT, and never sends it', async () => {
    const provider = await startProvider();
    const client = clientWith(2);
    const busy = [call(client, provider, 0), call(client, provider, 1)];
    await provider.holding(2);
    const queued = [
      call(client, provider, 2, { timeoutMs: 50 }),
      call(client, provider, 3, { timeoutMs: 50 }),
      call(client, provider, 4, { timeoutMs: 50 }),
    ];
    const errors = await Promise.all(queued.map(failure));
    for (const error of errors) {
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(/^echo on held-provider timed out after 50 ms$/);
      expect(error.data).toMatchObject({
        provider: 'held-provider',
        timeoutMs: 50,
        queuedForConnection: true,
      });
    }
    // The timed-out calls left nothing behind: the next call goes out as soon as a place frees up, on a
    // connection already open, and the provider never hears of the three.
    const next = call(client, provider, 5);
    provider.answerFreely();
    expect(await Promise.all([...busy, next])).toEqual([{ n: 0 }, { n: 1 }, { n: 5 }]);
    expect(provider.received).toEqual([0, 1, 5]);
    expect(provider.connections).toBe(2);
  });

  it('opens no connection later for calls that timed out waiting', async () => {
    const provider = await startProvider();
    const client = clientWith(1);
    const stuck = call(client, provider, 0, { timeoutMs: 150 });
    await provider.holding(1);
    const gaveUp = [
      call(client, provider, 1, { timeoutMs: 30 }),
      call(client, provider, 2, { timeoutMs: 30 }),
    ];
    for (const error of await Promise.all(gaveUp.map(failure))) expect(error.code).toBe('TIMEOUT');
    // The stuck call times out and its connection is closed: nothing is left waiting to be sent on a new one.
    expect((await failure(stuck)).code).toBe('TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(provider.connections).toBe(1);
    expect(provider.received).toEqual([0]);
  });

  it('gives the place back when a call in flight times out, so a waiting call goes out', async () => {
    const provider = await startProvider();
    const client = clientWith(1);
    const stuck = call(client, provider, 0, { timeoutMs: 100 });
    const waiting = call(client, provider, 1);
    await provider.holding(1);
    expect((await failure(stuck)).data).not.toHaveProperty('queuedForConnection');
    provider.answerFreely();
    expect(await waiting).toEqual({ n: 1 });
    expect(provider.received).toEqual([0, 1]);
  });

  it('honours an abort signal while a call waits, and one already aborted sends nothing', async () => {
    const provider = await startProvider();
    const client = clientWith(1);
    const busy = call(client, provider, 0);
    await provider.holding(1);
    const controller = new AbortController();
    const waiting = call(client, provider, 1, { signal: controller.signal });
    controller.abort();
    const error = await failure(waiting);
    expect(error.code).toBe('TIMEOUT');
    expect(error.data).toMatchObject({ cancelled: true });
    const aborted = await failure(call(client, provider, 2, { signal: AbortSignal.abort() }));
    expect(aborted.data).toMatchObject({ cancelled: true });
    provider.answerFreely();
    expect(await busy).toEqual({ n: 0 });
    expect(await call(client, provider, 3)).toEqual({ n: 3 });
    expect(provider.received).toEqual([0, 3]);
  });

  it('counts each provider apart', async () => {
    const client = clientWith(1);
    const first = await startProvider();
    const second = await startProvider();
    const calls = [call(client, first, 0), call(client, second, 1)];
    await first.holding(1);
    await second.holding(1);
    first.answerFreely();
    second.answerFreely();
    expect(await Promise.all(calls)).toEqual([{ n: 0 }, { n: 1 }]);
  });
});
