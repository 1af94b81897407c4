// The floor of an order's CPU: what the transports of its path cost with nothing else to do, measured in the
// same run as the order flow. Two parts:
//
//   - the price of one hop, one request and one statement: a mesh hop as the agents make it (a CALL frame and
//     its ANSWER frame on a mesh stream, one mTLS connection upgraded with `Upgrade: mesh-mcp/1`), an HTTP
//     request/response over mTLS (the inbound request: k6 reaches the gateway over HTTP), both between two
//     Node processes with the mesh's own certificates (strict, @mesh/trust as the agents use it), and a `pg`
//     statement round trip against the system's PostgreSQL, all at the bench's rate spacing
//     (floor-peer.mjs), each side's CPU counted (the PostgreSQL backend's from /proc/<pid>/task/*/schedstat);
//   - how many of each an order made: mesh calls from the runtime's mesh_dependency_calls_total on every
//     agent's /metrics, and PostgreSQL transactions from pg_stat_database (xact_commit + xact_rollback), both
//     before and after the run. A transaction of several statements counts once, so M is a lower bound on
//     statements, as a floor should be.
//
// floor ≈ N mesh hops x (client + server CPU of a stream hop) + 1 inbound request x (server CPU of an HTTP
// request; the client is k6) + M transactions x (client + backend CPU of a statement). SMTP and the payment
// sandbox are not in it. A provider that does not accept streams is called over HTTP, so with such providers
// on the path the floor is a little low, as a floor may be.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { pgNumber } from './system-postgres.mjs';

const PEER = join(import.meta.dirname, 'floor-peer.mjs');
/** How long one floor measurement may take before it is given up (each part). */
const PART_TIMEOUT_MS = 60_000;

/** The value of every sample of `name` in a Prometheus text exposition, summed. */
export function sumCounter(text, name) {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/**
 * floor ms per order and the line that shows how it adds up; `overHttpMs` is what it would be with the hops
 * made as HTTP requests (as before mesh streams), to compare with earlier figures.
 */
export function floorOf({ hopsPerOrder, transactionsPerOrder, hop, request, statement }) {
  const hopMs = hop.clientCpuMs + hop.serverCpuMs;
  const rest = request.serverCpuMs + transactionsPerOrder * statement.cpuMs;
  const ms = hopsPerOrder * hopMs + rest;
  const overHttpMs = hopsPerOrder * (request.clientCpuMs + request.serverCpuMs) + rest;
  const line =
    `floor ≈ ${ms.toFixed(2)} ms/order (${hopsPerOrder.toFixed(1)} mesh hops over streams x ${hopMs.toFixed(3)} ms` +
    ` + 1 inbound HTTP request x ${request.serverCpuMs.toFixed(3)} ms` +
    ` + ${transactionsPerOrder.toFixed(1)} PostgreSQL transactions x ${statement.cpuMs.toFixed(3)} ms)`;
  return { ms, overHttpMs, line };
}

/** Runs a floor-peer mode and resolves with the JSON line it prints (the first one, for a server). */
function peer(mode, env, { keepRunning = false } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [PEER, mode], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`FLOOR_TIMEOUT: ${mode} took more than ${PART_TIMEOUT_MS / 1000} s`));
    }, PART_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (keepRunning && out.includes('\n')) {
        clearTimeout(timer);
        done({ child, result: JSON.parse(out.split('\n')[0]) });
      }
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (keepRunning && out.includes('\n')) return;
      if (code !== 0) fail(new Error(`FLOOR_PEER_FAILED: ${mode} exited ${code}: ${err.trim()}`));
      else done({ result: JSON.parse(out.trim().split('\n').at(-1)) });
    });
  });
}

function perTrip({ count, clientCpuMs, serverCpuMs, p50Ms }) {
  return { clientCpuMs: clientCpuMs / count, serverCpuMs: serverCpuMs / count, p50Ms };
}

/**
 * A mesh hop over a stream (`hop`) and an HTTP request (`request`), each `count` times `spacingMs` apart, to
 * one server with order-agent's certificate from a client with api-gateway's, one client after the other.
 */
export async function measureHopAndRequest({ tls, count, spacingMs }) {
  const files = (name) => ({
    FLOOR_CERT: join(tls.dir, 'agent', `${name}.crt`),
    FLOOR_KEY: join(tls.dir, 'agent', `${name}.key`),
    FLOOR_CA: join(tls.dir, 'ca.crt'),
    FLOOR_TRUST_DOMAIN: tls.trustDomain,
  });
  const server = await peer('http-server', files('order-agent'), { keepRunning: true });
  try {
    const client = (mode) =>
      peer(mode, {
        ...files('api-gateway'),
        FLOOR_PORT: String(server.result.port),
        FLOOR_PEER: 'order-agent',
        FLOOR_COUNT: String(count),
        FLOOR_SPACING_MS: String(spacingMs),
      });
    const hop = perTrip((await client('stream-client')).result);
    const request = perTrip((await client('http-client')).result);
    return { hop, request };
  } finally {
    // Waited for, so that its CPU is not a child's of this process ending later (bench-orders counts k6 so).
    const exited = new Promise((done) => server.child.once('exit', done));
    server.child.kill('SIGTERM');
    await exited;
  }
}

/** One `pg` statement round trip against `databaseUrl`, `count` times `spacingMs` apart. */
export async function measureStatement({ databaseUrl, count, spacingMs }) {
  const pg = await peer('pg', {
    FLOOR_DATABASE_URL: databaseUrl,
    FLOOR_COUNT: String(count),
    FLOOR_SPACING_MS: String(spacingMs),
  });
  const statement = perTrip(pg.result);
  return { ...statement, cpuMs: statement.clientCpuMs + statement.serverCpuMs };
}

/**
 * CPU ms per round trip of each side and the median round trip, at `rate`: of a mesh hop over a stream (`hop`),
 * of an HTTP request (`request`) and of a statement (`statement`).
 */
export async function measureTransports({ tls, databaseUrl, rate, count }) {
  const spacingMs = 1000 / rate;
  const { hop, request } = await measureHopAndRequest({ tls, count, spacingMs });
  const statement = await measureStatement({ databaseUrl, count, spacingMs });
  return { hop, request, statement };
}

/** GET `url` over the mesh's TLS (CA only: /metrics needs no client certificate), or plain HTTP. */
function fetchText(url, ca) {
  return new Promise((done, fail) => {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    // The mesh's certificates name SPIFFE identities, not the 127.0.0.1 the state records; trust the CA.
    const request = client.get(target, { ca, checkServerIdentity: () => undefined, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done(text));
    });
    request.once('error', fail);
    request.once('timeout', () => request.destroy(new Error(`FLOOR_METRICS_TIMEOUT: ${url}`)));
  });
}

/** Mesh calls made so far (every agent's mesh_dependency_calls_total) and PostgreSQL transactions so far. */
export async function readPathCounters(state, databaseUrl) {
  const ca = state.tls ? readFileSync(join(state.tls.dir, 'ca.crt'), 'utf8') : undefined;
  const agents = state.processes.filter((p) => p.kind === 'agent' && p.url);
  const texts = await Promise.all(agents.map((p) => fetchText(new URL('/metrics', p.url).href, ca)));
  const meshCalls = texts.reduce((sum, text) => sum + sumCounter(text, 'mesh_dependency_calls_total'), 0);
  const transactions = await pgNumber(
    databaseUrl,
    'SELECT sum(xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database',
  );
  return { meshCalls, transactions };
}
