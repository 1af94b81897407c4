#!/usr/bin/env node
// One end of bench-orders' floor measurement, run as its own process so its CPU is its own (lib/floor.mjs).
//
//   node floor-peer.mjs http-server    FLOOR_CERT FLOOR_KEY FLOOR_CA FLOOR_TRUST_DOMAIN; prints {"port":N}
//   node floor-peer.mjs http-client    the same plus FLOOR_PORT FLOOR_PEER FLOOR_COUNT FLOOR_SPACING_MS
//   node floor-peer.mjs stream-client  the same as http-client
//   node floor-peer.mjs pg             FLOOR_DATABASE_URL FLOOR_COUNT FLOOR_SPACING_MS
//
// The clients print one JSON line: the round trips made, the CPU both ends spent on them (ms) and the median
// round trip (ms). Both sides use @mesh/trust as agents do: the agents' own certificates and CA, the server
// asking for and checking the client's certificate, the client checking the server's mesh identity, one pooled
// keep-alive connection. http-client sends each call as an HTTP POST /mcp, as k6 reaches the gateway;
// stream-client upgrades its connection to a mesh stream (GET /mcp, Upgrade: mesh-mcp/1) and sends each call
// as a CALL frame, as one agent calls another (packages/runtime/src/mesh-stream-frames.ts). The server answers
// both with the same JSON-RPC response, and refuses either without a valid client certificate (401).
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
/** Warm-up round trips before measuring: the TLS handshake, JIT and pool fill are not per-order costs. */
const WARMUP = 20;
/** A JSON-RPC tools/call body about the size of an order's (bytes), and its answer. */
const REQUEST_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'floor_echo', arguments: { pad: 'x'.repeat(320) } },
});
/** What a stream call frame carries: no headers (the HTTP request sends none of the mesh's either). */
const CALL_FRAME_TEXT = `{"h":{},"m":${REQUEST_BODY}}`;
const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`FLOOR_CONFIG: ${name} is not set`);
  return value;
};

async function trust() {
  const { loadTlsMaterial } = await import(join(root, 'packages/trust/dist/index.js'));
  return loadTlsMaterial({
    mode: 'strict',
    requested: 'strict',
    certFile: env('FLOOR_CERT'),
    keyFile: env('FLOOR_KEY'),
    caFile: env('FLOOR_CA'),
    trustDomain: env('FLOOR_TRUST_DOMAIN'),
    reloadIntervalMs: 0,
  });
}

function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Runs `once` `count` times, the n-th starting at n x spacing (or as soon as the previous one ends). */
async function paced(count, spacingMs, once) {
  const latencies = [];
  const start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const due = start + i * spacingMs - performance.now();
    if (due > 0) await new Promise((done) => setTimeout(done, due));
    const sent = performance.now();
    await once();
    latencies.push(performance.now() - sent);
  }
  return latencies;
}

/** The floor's tools/call answer: the request's pad echoed, the size of an order step's answer. */
function answerText(call) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: call.id,
    result: { content: [{ type: 'text', text: call.params.arguments.pad }] },
  });
}

async function frames() {
  return import(join(root, 'packages/runtime/dist/mesh-stream-frames.js'));
}

async function httpServer() {
  const { serverTlsOptions, authenticatePeer } = await import(join(root, 'packages/trust/dist/index.js'));
  const { FrameKind, FrameReader, MESH_STREAM_PROTOCOL, encodeFrame } = await frames();
  const server = https.createServer(serverTlsOptions(await trust()), (req, res) => {
    if (req.url === '/cpu') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ cpuMs: cpuMs() }));
      return;
    }
    const peer = authenticatePeer(req.socket);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (!peer.authenticated) {
        res.writeHead(401).end(peer.reason);
        return;
      }
      const body = answerText(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  const streams = new Set();
  // A mesh stream, as the runtime's MeshStreamServer accepts it: the caller authenticated once, at the upgrade.
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    if (req.url !== '/mcp' || req.headers.upgrade?.toLowerCase() !== MESH_STREAM_PROTOCOL) {
      refuse(socket, 400, 'Bad Request', `only ${MESH_STREAM_PROTOCOL} on /mcp`);
      return;
    }
    const peer = authenticatePeer(req.socket);
    if (!peer.authenticated) {
      refuse(socket, 401, 'Unauthorized', peer.reason);
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${MESH_STREAM_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`,
    );
    socket.setNoDelay(true);
    streams.add(socket);
    socket.once('close', () => streams.delete(socket));
    socket.on('end', () => socket.end());
    const reader = new FrameReader();
    const read = (chunk) =>
      reader.push(chunk, (frame) => {
        if (frame.kind !== FrameKind.CALL) return;
        const call = JSON.parse(frame.body.toString('utf8')).m;
        socket.write(encodeFrame(FrameKind.ANSWER, frame.id, answerText(call), 200));
      });
    socket.on('data', read);
    if (head.length > 0) read(head);
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  process.on('SIGTERM', () => {
    for (const socket of streams) socket.destroy();
    server.close(() => process.exit(0));
  });
}

function refuse(socket, status, reason, message) {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`,
  );
}

/** The client's connection pool, with the TLS options an agent's pool has towards FLOOR_PEER. */
async function clientAgent() {
  const { pooledClientTlsOptions, expectAgent } = await import(join(root, 'packages/trust/dist/index.js'));
  const material = await trust();
  return new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    ...pooledClientTlsOptions(material, expectAgent(env('FLOOR_PEER'))),
  });
}

/** An HTTPS request through `agent` resolving with the body of a 200 answer. */
function requester(agent, port) {
  return (method, path, body) =>
    new Promise((done, fail) => {
      const req = https.request(
        { host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () =>
            res.statusCode === 200
              ? done(Buffer.concat(chunks).toString('utf8'))
              : fail(new Error(`FLOOR_HTTP: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`)),
          );
        },
      );
      req.once('error', fail);
      req.end(body);
    });
}

/**
 * Warms `call` up, then makes FLOOR_COUNT paced calls and prints the CPU both ends spent on them: the server's
 * read over `request` (GET /cpu) before and after, on a connection of its own.
 */
async function measureCalls(call, request) {
  const count = Number(env('FLOOR_COUNT'));
  const spacingMs = Number(env('FLOOR_SPACING_MS'));
  await paced(WARMUP, spacingMs, call);
  const serverBefore = JSON.parse(await request('GET', '/cpu')).cpuMs;
  const clientBefore = cpuMs();
  const latencies = await paced(count, spacingMs, call);
  const clientCpuMs = cpuMs() - clientBefore;
  const serverCpuMs = JSON.parse(await request('GET', '/cpu')).cpuMs - serverBefore;
  console.log(JSON.stringify({ count, clientCpuMs, serverCpuMs, p50Ms: median(latencies) }));
}

async function httpClient() {
  const agent = await clientAgent();
  const request = requester(agent, Number(env('FLOOR_PORT')));
  await measureCalls(() => request('POST', '/mcp', REQUEST_BODY).then((text) => JSON.parse(text)), request);
  agent.destroy();
}

/** Upgrades one connection of `agent` to a mesh stream, as the runtime's MeshStream does; resolves its socket. */
function upgrade(agent, port, protocol) {
  return new Promise((done, fail) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      method: 'GET',
      path: '/mcp',
      agent,
      headers: { connection: 'Upgrade', upgrade: protocol },
    });
    req.once('upgrade', (_res, socket, head) => done({ socket, head }));
    req.once('response', (res) => {
      res.resume();
      fail(new Error(`FLOOR_UPGRADE: the server answered the upgrade with ${res.statusCode}`));
    });
    req.once('error', fail);
    req.end();
  });
}

async function streamClient() {
  const { FrameKind, FrameReader, MESH_STREAM_PROTOCOL, decodeAnswer, encodeFrame } = await frames();
  const port = Number(env('FLOOR_PORT'));
  const agent = await clientAgent();
  const { socket, head } = await upgrade(agent, port, MESH_STREAM_PROTOCOL);
  socket.setNoDelay(true);
  const waiting = new Map();
  const reader = new FrameReader();
  const read = (chunk) =>
    reader.push(chunk, (frame) => {
      const call = waiting.get(frame.id);
      if (frame.kind !== FrameKind.ANSWER || call === undefined) return;
      waiting.delete(frame.id);
      const { status, text } = decodeAnswer(frame.body);
      if (status === 200) call.done(text);
      else call.fail(new Error(`FLOOR_STREAM: ${status} ${text}`));
    });
  socket.on('data', read);
  socket.on('error', () => undefined); // 'close' follows
  socket.on('close', () => {
    for (const call of waiting.values()) call.fail(new Error('FLOOR_STREAM: the stream closed'));
    waiting.clear();
  });
  if (head.length > 0) read(head);
  let lastId = 0;
  const call = () =>
    new Promise((done, fail) => {
      lastId += 1;
      waiting.set(lastId, { done, fail });
      socket.write(encodeFrame(FrameKind.CALL, lastId, CALL_FRAME_TEXT));
    }).then((text) => JSON.parse(text));
  // The stream's connection left the pool when it upgraded: /cpu goes over a pooled connection of its own.
  const cpuAgent = await clientAgent();
  await measureCalls(call, requester(cpuAgent, port));
  socket.end();
  cpuAgent.destroy();
  agent.destroy();
}

/** CPU ns of a process's threads so far, from /proc/<pid>/task/<tid>/schedstat (not rounded to 10 ms ticks). */
function schedstatMs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`))
    total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  return total / 1e6;
}

async function pgRoundTrips() {
  // pg is a dependency of the agents, not of the repository root: load the copy the order agent uses.
  const pg = createRequire(join(root, 'agents/order/package.json'))('pg');
  const client = new pg.Client({ connectionString: env('FLOOR_DATABASE_URL') });
  await client.connect();
  try {
    // One extended-protocol statement with a parameter, as the agents' queries are.
    const statement = () => client.query('SELECT $1::int AS n', [1]);
    const count = Number(env('FLOOR_COUNT'));
    const spacingMs = Number(env('FLOOR_SPACING_MS'));
    const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await paced(WARMUP, spacingMs, statement);
    const serverBefore = schedstatMs(backendPid);
    const clientBefore = cpuMs();
    const latencies = await paced(count, spacingMs, statement);
    const clientCpuMs = cpuMs() - clientBefore;
    const serverCpuMs = schedstatMs(backendPid) - serverBefore;
    console.log(JSON.stringify({ count, clientCpuMs, serverCpuMs, p50Ms: median(latencies) }));
  } finally {
    await client.end();
  }
}

const modes = {
  'http-server': httpServer,
  'http-client': httpClient,
  'stream-client': streamClient,
  pg: pgRoundTrips,
};
const mode = modes[process.argv[2]];
if (!mode) {
  console.error(`floor-peer: mode ${process.argv[2]} unknown (${Object.keys(modes).join(', ')})`);
  process.exit(2);
}
mode().catch((error) => {
  console.error(`floor-peer ${process.argv[2]}: ${error.message}`);
  process.exit(1);
});
