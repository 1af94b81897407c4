import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { floorOf, measureHopAndRequest, measureStatement, sumCounter } from './floor.mjs';

const root = resolve(import.meta.dirname, '../..');
const dirs = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary mesh CA with certificates for order-agent and api-gateway. */
async function meshTls() {
  const { initMeshTls } = await import(join(root, 'packages/trust/dist/ca/index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'floor-tls-'));
  dirs.push(dir);
  const trustDomain = 'mesh.local';
  await initMeshTls({
    dir,
    trustDomain,
    workloads: ['order-agent', 'api-gateway'].map((name) => ({
      identity: { trustDomain, kind: 'agent', name },
      hosts: ['127.0.0.1'],
    })),
  });
  return { dir, trustDomain };
}

describe('floor', () => {
  it('sums every sample of a counter and nothing else', () => {
    const text = [
      '# HELP mesh_dependency_calls_total Calls made to dependencies.',
      '# TYPE mesh_dependency_calls_total counter',
      'mesh_dependency_calls_total{dependency="a",capability="x",outcome="ok"} 12',
      'mesh_dependency_calls_total{dependency="b",capability="y",outcome="error"} 3',
      'mesh_dependency_calls_totally_else 100',
      'mesh_dependency_duration_seconds_count{dependency="a"} 15',
    ].join('\n');
    expect(sumCounter(text, 'mesh_dependency_calls_total')).toBe(15);
  });

  it('adds stream hops, the inbound HTTP request and transactions, and shows how', () => {
    const floor = floorOf({
      hopsPerOrder: 10,
      transactionsPerOrder: 12,
      hop: { clientCpuMs: 0.1, serverCpuMs: 0.15 },
      request: { clientCpuMs: 0.2, serverCpuMs: 0.3 },
      statement: { cpuMs: 0.25 },
    });
    expect(floor.ms).toBeCloseTo(10 * 0.25 + 0.3 + 12 * 0.25);
    expect(floor.overHttpMs).toBeCloseTo(10 * 0.5 + 0.3 + 12 * 0.25);
    expect(floor.line).toBe(
      'floor ≈ 5.80 ms/order (10.0 mesh hops over streams x 0.250 ms + 1 inbound HTTP request x 0.300 ms + ' +
        '12.0 PostgreSQL transactions x 0.250 ms)',
    );
  });

  it('measures a hop over a mesh stream and an HTTP request, over mTLS with mesh certificates', async () => {
    const tls = await meshTls();
    const { hop, request } = await measureHopAndRequest({ tls, count: 30, spacingMs: 2 });
    for (const trip of [hop, request]) {
      expect(trip.clientCpuMs).toBeGreaterThan(0);
      expect(trip.serverCpuMs).toBeGreaterThan(0);
      expect(trip.p50Ms).toBeGreaterThan(0);
    }
  }, 60_000);

  it('refuses a mesh stream without a client certificate (401), as agents do', async () => {
    const tls = await meshTls();
    const server = spawn(process.execPath, [join(root, 'scripts/lib/floor-peer.mjs'), 'http-server'], {
      env: {
        ...process.env,
        FLOOR_CERT: join(tls.dir, 'agent', 'order-agent.crt'),
        FLOOR_KEY: join(tls.dir, 'agent', 'order-agent.key'),
        FLOOR_CA: join(tls.dir, 'ca.crt'),
        FLOOR_TRUST_DOMAIN: tls.trustDomain,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = await once(server.stdout, 'data');
      const { port } = JSON.parse(String(line));
      const status = await new Promise((done, fail) => {
        const req = https.request({
          host: '127.0.0.1',
          port,
          method: 'GET',
          path: '/mcp',
          ca: readFileSync(join(tls.dir, 'ca.crt')),
          checkServerIdentity: () => undefined,
          headers: { connection: 'Upgrade', upgrade: 'mesh-mcp/1' },
        });
        req.once('upgrade', (res, socket) => {
          socket.destroy();
          done(res.statusCode);
        });
        req.once('response', (res) => {
          res.resume();
          done(res.statusCode);
        });
        req.once('error', fail);
        req.end();
      });
      expect(status).toBe(401);
    } finally {
      server.kill('SIGTERM');
    }
  }, 60_000);

  it.skipIf(!process.env['MESH_TEST_POSTGRES_URL'])(
    'measures a statement round trip with the backend its CPU',
    async () => {
      const statement = await measureStatement({
        databaseUrl: process.env['MESH_TEST_POSTGRES_URL'],
        count: 30,
        spacingMs: 2,
      });
      expect(statement.clientCpuMs).toBeGreaterThan(0);
      expect(statement.serverCpuMs).toBeGreaterThan(0);
      expect(statement.cpuMs).toBeCloseTo(statement.clientCpuMs + statement.serverCpuMs);
    },
    60_000,
  );
});
