import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancer, type HttpBalancer } from './balancer.js';

interface FakeReplica {
  readonly name: string;
  readonly port: number;
  ready: boolean;
  close(): Promise<void>;
}

const opened: Array<{ close(): Promise<void> }> = [];

/** A replica answering its name, echoing bodies (POST /echo) and streaming (GET /stream). */
async function replica(name: string): Promise<FakeReplica> {
  const state = { ready: true };
  const server: Server = createServer((req, res) => {
    if (req.url === '/ready') {
      res.writeHead(state.ready ? 200 : 503).end();
      return;
    }
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/octet-stream', 'x-replica': name });
        res.end(Buffer.concat(chunks));
      });
      return;
    }
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-replica': name });
      res.write('data: first\n\n');
      // The second event only after the client has seen the first: nothing may buffer the stream.
      const timer = setTimeout(() => res.end('data: second\n\n'), 300);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-replica': name });
    res.end(JSON.stringify({ name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const handle: FakeReplica = {
    name,
    port,
    get ready() {
      return state.ready;
    },
    set ready(value: boolean) {
      state.ready = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  opened.push(handle);
  return handle;
}

/** A replica shutting down: it takes the connection and the request's first bytes, then closes it unanswered. */
async function droppingReplica(): Promise<{ port: number }> {
  const server = createTcpServer((socket) => socket.once('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return { port: (server.address() as AddressInfo).port };
}

async function balancerFor(replicas: readonly { port: number }[], healthIntervalMs = 50) {
  const balancer: HttpBalancer = createBalancer({
    backends: replicas.map((r) => ({ host: '127.0.0.1', port: r.port })),
    healthPath: '/ready',
    healthIntervalMs,
  });
  const { url } = await balancer.listen(0, '127.0.0.1');
  opened.push(balancer);
  return { balancer, url };
}

async function namesOf(url: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await fetch(`${url}/who`);
    names.push(answer.headers.get('x-replica') ?? `status ${answer.status}`);
  }
  return names;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

describe('createBalancer', { timeout: 10_000 }, () => {
  it('spreads requests across the replicas in turn', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { url, balancer } = await balancerFor([a, b]);
    const names = await namesOf(url, 6);
    expect(names.filter((n) => n === 'a')).toHaveLength(3);
    expect(names.filter((n) => n === 'b')).toHaveLength(3);
    expect(balancer.pool.backends.map((x) => x.served)).toEqual([3, 3]);
  });

  it('moves a request to the next replica at once when one refuses connections', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { url, balancer } = await balancerFor([a, b], 60_000);
    await b.close();
    // The probe will not run again for a minute: the refused connection alone must take b out.
    expect(await namesOf(url, 4)).toEqual(['a', 'a', 'a', 'a']);
    expect(balancer.pool.backends[1]!.healthy).toBe(false);
  });

  it('skips a replica whose health probe fails and takes it back once it passes', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { url, balancer } = await balancerFor([a, b]);
    b.ready = false;
    await expect.poll(() => balancer.pool.backends[1]!.healthy, { timeout: 2000 }).toBe(false);
    expect(await namesOf(url, 4)).toEqual(['a', 'a', 'a', 'a']);
    b.ready = true;
    await expect.poll(() => balancer.pool.backends[1]!.healthy, { timeout: 2000 }).toBe(true);
    expect((await namesOf(url, 4)).sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('sends a bodiless GET to the next replica when one drops it unanswered, and answers 502 for a POST', async () => {
    const [dropping, b] = [await droppingReplica(), await replica('b')];
    const { url } = await balancerFor([dropping, b], 60_000);
    expect(await namesOf(url, 4)).toEqual(['b', 'b', 'b', 'b']);

    const second = await balancerFor([await droppingReplica(), b], 60_000);
    const posted = await fetch(`${second.url}/echo`, { method: 'POST', body: 'order' });
    expect(posted.status).toBe(502);
  });

  it('answers 503 with an error body when no replica answers', async () => {
    const a = await replica('a');
    const { url } = await balancerFor([a]);
    await a.close();
    const answer = await fetch(`${url}/who`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } });
  });

  it('passes request bodies through, also to the replica tried after a refusal', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const { url } = await balancerFor([a, b], 60_000);
    await a.close();
    const body = Buffer.alloc(200_000, 7);
    for (let i = 0; i < 2; i += 1) {
      const answer = await fetch(`${url}/echo`, { method: 'POST', body });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('x-replica')).toBe('b');
      expect(Buffer.from(await answer.arrayBuffer()).equals(body)).toBe(true);
    }
  });

  it('streams a response as it comes instead of buffering it', async () => {
    const a = await replica('a');
    const { url } = await balancerFor([a]);
    const answer = await fetch(`${url}/stream`);
    const reader = answer.body!.getReader();
    const started = Date.now();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    expect(Date.now() - started).toBeLessThan(250);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: second\n\n');
  });

  it('appends the client address to X-Forwarded-For and serves its own status page', async () => {
    const a = await replica('a');
    const { url } = await balancerFor([a]);
    const answer = await fetch(`${url}/who`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(await answer.json()).toEqual({ name: 'a', forwardedFor: '203.0.113.9, 127.0.0.1' });
    const status = await (await fetch(`${url}/balancer-status`)).json();
    expect(status).toEqual({ backends: [{ address: `127.0.0.1:${a.port}`, healthy: true, served: 1 }] });
  });
});
