import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, startAlone, z } from './index.js';
import { McpHttpClient } from './mcp-client.js';
import type { MeshTransport, ToolCallRequest } from './mcp-client.js';
import { UPGRADE_TIMEOUT_MS } from './mesh-stream-client.js';
import { RuntimeMetrics } from './metrics.js';
import { gate } from './test-mcp-call.js';
import { sampleValue, scrape } from './test-metrics.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP relay in front of a provider: counts the connections made through it and can cut them all. */
class CountingRelay {
  connections = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => {
    this.connections += 1;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  endpoint = '';

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    cleanups.push(() => this.stop());
  }

  /** Drops every connection at once, as a provider that dies does. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A provider agent: `echo` answers at once, `held` waits for the test (and reports its abort signal). */
async function startProvider() {
  const release = gate();
  const aborted: string[] = [];
  const agent = defineAgent({ name: 'stream-provider' });
  agent.tool({
    name: 'echo',
    capability: 'echo',
    input: z.object({ n: z.number().int() }),
    handler: ({ n }) => ({ n }),
  });
  agent.tool({
    name: 'held',
    capability: 'held',
    input: z.object({ n: z.number().int() }),
    handler: async ({ n }, ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.push(String((ctx.signal.reason as Error).message)));
      await Promise.race([
        release.opened,
        new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
      ]);
      return { n };
    },
  });
  const running = await startAlone(agent, { app: undefined });
  cleanups.push(() => {
    release.open();
    return running.stop();
  });
  return { running, release, aborted };
}

function clientOf(transport: MeshTransport = 'stream', metrics?: RuntimeMetrics): McpHttpClient {
  const client = new McpHttpClient(32, undefined, transport, { metrics });
  cleanups.push(() => client.close());
  return client;
}

function request(endpoint: string, functionName: string, n: number, extra: Partial<ToolCallRequest> = {}) {
  return {
    endpoint,
    functionName,
    args: { n },
    timeoutMs: 5000,
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    providerId: 'stream-provider-1',
    capability: functionName,
    streams: true,
    ...extra,
  } satisfies ToolCallRequest;
}

async function relayTo(port: number): Promise<CountingRelay> {
  const relay = new CountingRelay(port);
  await relay.start();
  return relay;
}

/**
 * An HTTP-only server answering `echo` calls, as an official MCP server or an intermediary that forwards
 * requests but not upgrades: it answers an upgrade 405 (`refuse`) or never (`hold`).
 */
async function echoOverHttp(onUpgrade: 'refuse' | 'hold') {
  let asks = 0;
  const server = http.createServer((req, res) => {
    if (req.headers.upgrade !== undefined) {
      asks += 1;
      if (onUpgrade === 'hold') return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const { id, params } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        id: number;
        params: { arguments: { n: number } };
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ jsonrpc: '2.0', id, result: { structuredContent: { n: params.arguments.n } } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgradeAsks: () => asks };
}

/** The MeshError a call failed with (the test fails if it succeeded or threw anything else). */
async function failureOf(call: Promise<unknown>): Promise<MeshError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(MeshError);
  return outcome as MeshError;
}

/** Makes a first call (over HTTP: it starts the stream) and waits for the stream to open. */
async function streamOpened(client: McpHttpClient, endpoint: string): Promise<void> {
  expect(await client.callTool(request(endpoint, 'echo', -1))).toEqual({ n: -1 });
  await waitFor(() => (client.openStreams === 1 ? true : undefined), { timeoutMs: 5000 });
}

describe('mesh streams (many calls on one connection)', () => {
  it('carries 40 calls in flight at once on one connection, each answered with its own result', async () => {
    const { running } = await startProvider();
    const relay = await relayTo(running.port);
    const client = clientOf();
    await streamOpened(client, relay.endpoint);
    // The first call's HTTP connection, and the stream.
    expect(relay.connections).toBe(2);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) => client.callTool(request(relay.endpoint, 'echo', n))),
    );
    expect(answers).toEqual(Array.from({ length: 40 }, (_, n) => ({ n })));
    expect(relay.connections).toBe(2);
  });

  it('opens a connection per call in flight over HTTP (the transport streams replace)', async () => {
    const { running } = await startProvider();
    const relay = await relayTo(running.port);
    const client = clientOf('http');
    await Promise.all(
      Array.from({ length: 40 }, (_, n) => client.callTool(request(relay.endpoint, 'echo', n))),
    );
    expect(relay.connections).toBeGreaterThan(1);
  });

  it('calls a provider that does not accept the upgrade over HTTP, and does not ask again', async () => {
    const { endpoint, upgradeAsks } = await echoOverHttp('refuse');
    const client = clientOf();
    expect(await Promise.all([1, 2, 3].map((n) => client.callTool(request(endpoint, 'echo', n))))).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    expect(await client.callTool(request(endpoint, 'echo', 4))).toEqual({ n: 4 });
    expect(upgradeAsks()).toBe(1);
  });

  it('sends calls over HTTP without waiting while an intermediary leaves the upgrade unanswered', async () => {
    const { endpoint, upgradeAsks } = await echoOverHttp('hold');
    const client = clientOf();
    const started = Date.now();
    for (let n = 1; n <= 5; n += 1)
      expect(await client.callTool(request(endpoint, 'echo', n))).toEqual({ n });
    expect(Date.now() - started).toBeLessThan(UPGRADE_TIMEOUT_MS);
    expect(upgradeAsks()).toBe(1);
    expect(client.openStreams).toBe(0);
  });

  it('cancels a call past its deadline at the provider (its signal aborts) and keeps the stream for the next', async () => {
    const { running, aborted } = await startProvider();
    const relay = await relayTo(running.port);
    const client = clientOf();
    await streamOpened(client, relay.endpoint);
    const late = await failureOf(client.callTool(request(relay.endpoint, 'held', 1, { timeoutMs: 200 })));
    expect(late).toBeInstanceOf(MeshError);
    expect(late.code).toBe('TIMEOUT');
    await waitFor(() => (aborted.length === 1 ? true : undefined), { timeoutMs: 2000 });
    expect(aborted).toEqual(['caller went away']);
    expect(await client.callTool(request(relay.endpoint, 'echo', 2))).toEqual({ n: 2 });
    expect(relay.connections).toBe(2);
  });

  it('fails the calls in flight with an unknown outcome when the connection drops, and reconnects after', async () => {
    const { running, release } = await startProvider();
    const relay = await relayTo(running.port);
    const client = clientOf();
    await streamOpened(client, relay.endpoint);
    expect(await client.callTool(request(relay.endpoint, 'echo', 0))).toEqual({ n: 0 });
    const inFlight = Promise.all(
      [1, 2].map((n) => failureOf(client.callTool(request(relay.endpoint, 'held', n)))),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    relay.cutAll();
    const failures = await inFlight;
    for (const failure of failures) {
      expect(failure.code).toBe('CONNECTION_FAILED');
      expect(failure.data).toMatchObject({ outcomeUnknown: true, notProcessed: false });
    }
    release.open();
    expect(await client.callTool(request(relay.endpoint, 'echo', 3))).toEqual({ n: 3 });
    await waitFor(() => (client.openStreams === 1 ? true : undefined), { timeoutMs: 5000 });
  });

  it('finishes the call in flight when the provider stops, then refuses new ones as never processed', async () => {
    const { running, release } = await startProvider();
    const client = clientOf();
    await streamOpened(client, running.url);
    const held = client.callTool(request(running.url, 'held', 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = running.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    release.open();
    expect(await held).toEqual({ n: 1 });
    await stopped;
    const after = await failureOf(client.callTool(request(running.url, 'echo', 2)));
    expect(after.code).toBe('CONNECTION_FAILED');
    expect(after.data).toMatchObject({ notProcessed: true });
  });

  it('refuses an upgrade to anything but the mesh stream protocol on /mcp', async () => {
    const { running } = await startProvider();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: running.port,
        path: '/mcp',
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});

describe('mesh stream metrics', () => {
  const provider = { provider: 'stream-provider-1' };

  /** Waits (at most 5 s) for the sum of `name`'s samples with `labels` in what `read` returns to be `value`. */
  async function sampleReaches(
    read: () => Promise<string>,
    name: string,
    value: number,
    labels: Record<string, string> = {},
  ): Promise<void> {
    await waitFor(async () => (sampleValue(await read(), name, labels) === value ? true : undefined), {
      timeoutMs: 5000,
    });
  }

  function consumerMetrics() {
    const metrics = new RuntimeMetrics('stream-consumer', 'stream-consumer-1', false);
    return { metrics, read: async () => (await metrics.render()).body };
  }

  /** A provider and a consumer with metrics, one stream open between them (counted once by the consumer). */
  async function meteredStream() {
    const { running } = await startProvider();
    const consumer = consumerMetrics();
    const client = clientOf('stream', consumer.metrics);
    await streamOpened(client, running.url);
    expect(sampleValue(await consumer.read(), 'mesh_streams_open', provider)).toBe(1);
    return { running, consumer, client };
  }

  /** Waits for the consumer to count no stream open, then checks the provider's series went with its last one. */
  async function providerSeriesGone(consumer: ReturnType<typeof consumerMetrics>): Promise<void> {
    await sampleReaches(consumer.read, 'mesh_streams_open', 0);
    // The provider's series goes with its last stream (its agent id changes with every restart).
    expect(await consumer.read()).not.toMatch(/^mesh_streams_open\{[^}]*provider="stream-provider-1"/m);
  }

  it('counts an open stream on both ends, and drops the provider series once the consumer closes it', async () => {
    const { running, consumer, client } = await meteredStream();
    expect(sampleValue(await scrape(running.url), 'mesh_streams_accepted')).toBe(1);
    client.close();
    await providerSeriesGone(consumer);
    await sampleReaches(() => scrape(running.url), 'mesh_streams_accepted', 0);
  });

  it('counts the stream closed when its provider stops (GOAWAY)', async () => {
    const { running, consumer } = await meteredStream();
    await running.stop();
    await providerSeriesGone(consumer);
  });

  it('counts a provider that refuses the upgrade as a fallback to HTTP, once', async () => {
    const { endpoint } = await echoOverHttp('refuse');
    const consumer = consumerMetrics();
    const client = clientOf('stream', consumer.metrics);
    expect(await client.callTool(request(endpoint, 'echo', 1))).toEqual({ n: 1 });
    await sampleReaches(consumer.read, 'mesh_stream_fallbacks_total', 1, { ...provider, reason: 'refused' });
    expect(await client.callTool(request(endpoint, 'echo', 2))).toEqual({ n: 2 });
    const text = await consumer.read();
    expect(sampleValue(text, 'mesh_stream_fallbacks_total')).toBe(1);
    expect(sampleValue(text, 'mesh_streams_open')).toBe(0);
  });
});
