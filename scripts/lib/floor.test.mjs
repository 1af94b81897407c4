import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floorOf, measureHop, measureStatement, sumCounter } from './floor.mjs';

const root = resolve(import.meta.dirname, '../..');
const dirs = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

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

  it('adds hops, the inbound request and transactions, and shows how', () => {
    const floor = floorOf({
      hopsPerOrder: 10,
      transactionsPerOrder: 12,
      hop: { clientCpuMs: 0.2, serverCpuMs: 0.3 },
      statement: { cpuMs: 0.25 },
    });
    expect(floor.ms).toBeCloseTo(10 * 0.5 + 0.3 + 12 * 0.25);
    expect(floor.line).toBe(
      'floor ≈ 8.30 ms/order (10.0 mesh hops x 0.500 ms + 1 inbound request x 0.300 ms + ' +
        '12.0 PostgreSQL transactions x 0.250 ms)',
    );
  });

  it('measures a hop over mTLS between two processes with mesh certificates', async () => {
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
    const hop = await measureHop({ tls: { dir, trustDomain }, count: 30, spacingMs: 2 });
    expect(hop.clientCpuMs).toBeGreaterThan(0);
    expect(hop.serverCpuMs).toBeGreaterThan(0);
    expect(hop.p50Ms).toBeGreaterThan(0);
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
