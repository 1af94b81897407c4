// `pnpm --filter @mesh/agent-api-gateway bench:floor`: where an express gateway's CPU per request goes, with
// the gateway's own work taken out. One minimal order endpoint (floor-server.ts) served four ways side by side:
// bare node:http, node:http plus the per-request prototype swap of express's app, express.Router() alone, and an
// express app; the same POST /orders load (BENCH_CONNECTIONS, default 16) in interleaved BENCH_DURATION_MS
// slices (default 3000) for BENCH_ROUNDS rounds (default 5); it prints CPU µs per request of each server process,
// their medians and what each adds to bare node:http.
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CPU_TICK_US, cpuTicks, median, settleProcesses } from '@mesh/testkit';
import { startListening, stopListening } from './bench-process.js';
import type { BenchProcess } from './bench-process.js';
import { postOrders } from './load-phase.js';

const KINDS = ['node', 'prototype', 'router', 'app'] as const;
const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
};
const DURATION_MS = number('BENCH_DURATION_MS', 3000);
const ROUNDS = Math.min(20, number('BENCH_ROUNDS', 5));
const CONNECTIONS = number('BENCH_CONNECTIONS', 16);
const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const servers: (BenchProcess & { usPerRequest: number[] })[] = [];
  try {
    for (const kind of KINDS) {
      const server = await startListening(kind, join(here, 'floor-server.js'), [kind]);
      servers.push({ ...server, usPerRequest: [] });
    }
    for (const server of servers)
      await postOrders(server.url, { connections: CONNECTIONS, durationMs: 2000 });
    for (let round = 1; round <= ROUNDS; round += 1) {
      const line: string[] = [];
      for (const server of round % 2 === 1 ? servers : [...servers].reverse()) {
        await settleProcesses(servers.map((s) => s.pid));
        const before = cpuTicks(server.pid);
        const result = await postOrders(server.url, { connections: CONNECTIONS, durationMs: DURATION_MS });
        const us = ((cpuTicks(server.pid) - before) * CPU_TICK_US) / Math.max(1, result.orders);
        server.usPerRequest.push(us);
        line.push(`${server.label} ${us.toFixed(0)}`);
      }
      console.log(`round ${round}: ${line.join(', ')} µs/request (load ${loadavg()[0]!.toFixed(1)})`);
    }
    const bare = median(servers[0]!.usPerRequest);
    console.log(`\nCPU µs per request, median of ${ROUNDS} rounds (${DURATION_MS / 1000} s slices):`);
    for (const server of servers) {
      const us = median(server.usPerRequest);
      console.log(
        `  ${server.label.padEnd(10)} ${us.toFixed(0).padStart(6)}   (+${(us - bare).toFixed(0)} over node)`,
      );
    }
  } finally {
    await Promise.all(servers.map(stopListening));
  }
}

await main();
