#!/usr/bin/env node
// One end of bench-orders' floor measurement, run as its own process so its CPU is its own (lib/floor.mjs).
//
//   node floor-peer.mjs http-server   FLOOR_CERT FLOOR_KEY FLOOR_CA FLOOR_TRUST_DOMAIN; prints {"port":N}
//   node floor-peer.mjs http-client   the same plus FLOOR_PORT FLOOR_PEER FLOOR_COUNT FLOOR_SPACING_MS
//   node floor-peer.mjs pg            FLOOR_DATABASE_URL FLOOR_COUNT FLOOR_SPACING_MS
//
// The clients print one JSON line: the round trips made, the CPU both ends spent on them (ms) and the median
// round trip (ms). Both sides use @mesh/trust as agents do: the agents' own certificates and CA, the server
// asking for and checking the client's certificate, the client checking the server's mesh identity, one pooled
// keep-alive connection.
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

async function httpServer() {
  const { serverTlsOptions, authenticatePeer } = await import(join(root, 'packages/trust/dist/index.js'));
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
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: call.id,
        result: { content: [{ type: 'text', text: call.params.arguments.pad }] },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function httpClient() {
  const { pooledClientTlsOptions, expectAgent } = await import(join(root, 'packages/trust/dist/index.js'));
  const material = await trust();
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 1,
    ...pooledClientTlsOptions(material, expectAgent(env('FLOOR_PEER'))),
  });
  const port = Number(env('FLOOR_PORT'));
  const request = (method, path, body) =>
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
  const call = () => request('POST', '/mcp', REQUEST_BODY).then((text) => JSON.parse(text));
  const count = Number(env('FLOOR_COUNT'));
  const spacingMs = Number(env('FLOOR_SPACING_MS'));
  await paced(WARMUP, spacingMs, call);
  const serverBefore = JSON.parse(await request('GET', '/cpu')).cpuMs;
  const clientBefore = cpuMs();
  const latencies = await paced(count, spacingMs, call);
  const clientCpuMs = cpuMs() - clientBefore;
  const serverCpuMs = JSON.parse(await request('GET', '/cpu')).cpuMs - serverBefore;
  agent.destroy();
  console.log(JSON.stringify({ count, clientCpuMs, serverCpuMs, p50Ms: median(latencies) }));
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

const modes = { 'http-server': httpServer, 'http-client': httpClient, pg: pgRoundTrips };
const mode = modes[process.argv[2]];
if (!mode) {
  console.error(`floor-peer: mode ${process.argv[2]} unknown (${Object.keys(modes).join(', ')})`);
  process.exit(2);
}
mode().catch((error) => {
  console.error(`floor-peer ${process.argv[2]}: ${error.message}`);
  process.exit(1);
});
