// `pnpm --filter @mesh/agent-api-gateway bench` (BENCH_BASELINE_REF=<commit> or BENCH_BASELINE_DIST=<dist dir>):
// the gateway's HTTP layer, this build against a baseline, in one run. Both gateways run side by side, each in
// a process of its own over an instant mesh (bench-mesh.ts), and take the same POST /orders load in
// interleaved slices (the order alternating each round): as fast as BENCH_CONNECTIONS connections go (orders/s,
// CPU per order of the gateway process), then at BENCH_RATE orders/s (p50, p95, p99). It prints each slice, the
// medians and this build / baseline ratios.
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CPU_TICK_US, cpuTicks, median, settleProcesses } from '@mesh/testkit';
import { buildBaseline } from './baseline-build.js';
import { startListening, stopListening } from './bench-process.js';
import type { BenchProcess } from './bench-process.js';
import { postOrders } from './load-phase.js';
import type { PhaseResult } from './load-phase.js';

const DEFAULTS = { BENCH_DURATION_MS: 5000, BENCH_ROUNDS: 3, BENCH_CONNECTIONS: 16, BENCH_RATE: 500 };
type Setting = keyof typeof DEFAULTS;
const setting = (name: Setting): number => {
  const value = Number(process.env[name] ?? DEFAULTS[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
};
const DURATION_MS = setting('BENCH_DURATION_MS');
const ROUNDS = Math.min(20, setting('BENCH_ROUNDS'));
const CONNECTIONS = setting('BENCH_CONNECTIONS');
const RATE = setting('BENCH_RATE');
/** An unmeasured phase per gateway first, so both are measured warm (JIT, pools, caches). */
const WARMUP_MS = 3000;

const here = dirname(fileURLToPath(import.meta.url));
const thisDist = resolve(here, '..');
const packageDir = resolve(thisDist, '..');

interface Gateway extends BenchProcess {
  throughput: (PhaseResult & { cpuUsPerOrder: number })[];
  fixedRate: PhaseResult[];
}

async function startGateway(label: string, dist: string): Promise<Gateway> {
  const server = await startListening(`the ${label} gateway`, join(here, 'gateway-server.js'), [dist]);
  return { ...server, label, throughput: [], fixedRate: [] };
}

async function measure(gateway: Gateway, all: readonly Gateway[], round: number): Promise<void> {
  const pids = all.map((g) => g.pid);
  await settleProcesses(pids);
  const load = loadavg()[0]!.toFixed(1);
  const ticksBefore = cpuTicks(gateway.pid);
  const fast = await postOrders(gateway.url, { connections: CONNECTIONS, durationMs: DURATION_MS });
  const cpuUsPerOrder = ((cpuTicks(gateway.pid) - ticksBefore) * CPU_TICK_US) / Math.max(1, fast.orders);
  gateway.throughput.push({ ...fast, cpuUsPerOrder });
  await settleProcesses(pids);
  const fixed = await postOrders(gateway.url, {
    connections: CONNECTIONS,
    durationMs: DURATION_MS,
    rate: RATE,
  });
  gateway.fixedRate.push(fixed);
  console.log(
    `round ${round} ${gateway.label.padEnd(24)} ${fast.ordersPerSec.toFixed(0).padStart(6)} orders/s, ` +
      `CPU ${cpuUsPerOrder.toFixed(0)} µs/order, ${fast.failed} failed | at ${RATE}/s: p50 ${fixed.p50Ms.toFixed(2)} ` +
      `p95 ${fixed.p95Ms.toFixed(2)} p99 ${fixed.p99Ms.toFixed(2)} ms, ${fixed.failed} failed | load ${load}`,
  );
}

function report(baseline: Gateway, current: Gateway): void {
  const rows: [string, (g: Gateway) => number, number][] = [
    ['orders/s (saturated)', (g) => median(g.throughput.map((r) => r.ordersPerSec)), 0],
    ['CPU µs per order', (g) => median(g.throughput.map((r) => r.cpuUsPerOrder)), 0],
    [`p50 ms at ${RATE}/s`, (g) => median(g.fixedRate.map((r) => r.p50Ms)), 2],
    [`p95 ms at ${RATE}/s`, (g) => median(g.fixedRate.map((r) => r.p95Ms)), 2],
    [`p99 ms at ${RATE}/s`, (g) => median(g.fixedRate.map((r) => r.p99Ms)), 2],
  ];
  console.log(`\nmedians of ${ROUNDS} rounds (${DURATION_MS / 1000} s slices, ${CONNECTIONS} connections):`);
  console.log(`  ${''.padEnd(22)} ${'baseline'.padStart(10)} ${'this build'.padStart(10)}   this/baseline`);
  for (const [name, pick, digits] of rows) {
    const [a, b] = [pick(baseline), pick(current)];
    console.log(
      `  ${name.padEnd(22)} ${a.toFixed(digits).padStart(10)} ${b.toFixed(digits).padStart(10)}   ${(b / a).toFixed(3)}`,
    );
  }
  const failed = [baseline, current]
    .flatMap((g) => [...g.throughput, ...g.fixedRate])
    .reduce((n, r) => n + r.failed, 0);
  console.log(`  failed answers in all slices: ${failed}`);
}

async function main(): Promise<number> {
  const ref = process.env['BENCH_BASELINE_REF'];
  let baselineDist = process.env['BENCH_BASELINE_DIST'];
  let baselineLabel = 'baseline';
  if (baselineDist === undefined) {
    if (ref === undefined) {
      console.error(
        'set BENCH_BASELINE_REF=<commit> (built here) or BENCH_BASELINE_DIST=<a gateway dist directory>',
      );
      return 2;
    }
    const built = buildBaseline(packageDir, ref);
    baselineDist = built.dist;
    baselineLabel = `baseline ${built.commit.slice(0, 7)}`;
  }
  const gateways: Gateway[] = [];
  try {
    gateways.push(await startGateway(baselineLabel, resolve(baselineDist)));
    gateways.push(await startGateway('this build', thisDist));
    for (const gateway of gateways) {
      await postOrders(gateway.url, { connections: CONNECTIONS, durationMs: WARMUP_MS });
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const gateway of round % 2 === 1 ? gateways : [...gateways].reverse()) {
        await measure(gateway, gateways, round);
      }
    }
    report(gateways[0]!, gateways[1]!);
    return 0;
  } finally {
    await Promise.all(gateways.map(stopListening));
  }
}

process.exitCode = await main();
