#!/usr/bin/env node
// Sustained-rate order benchmark against the running local system, with the CPU each process spent per order.
//
//   ./scripts/start-multi-agent.sh
//   node scripts/bench-orders.mjs --rate 50 --duration 20s [--k6 .mesh/bin/k6] [--base-url http://127.0.0.1:8080]
//
// Runs k6 (loadtest/orders.js, sustained scenario only), reads every process of .mesh/state.json (and its child
// processes, e.g. PostgreSQL backends) from /proc before and after, and prints orders/s, latency and CPU ms per
// completed order per process. Linux only (reads /proc).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);

function parseArgs(argv) {
  const options = {
    rate: 30,
    duration: '20s',
    k6: join(root, '.mesh/bin/k6'),
    baseUrl: 'http://127.0.0.1:8080',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) fail(`missing value after ${flag}`);
    if (flag === '--rate') options.rate = Number(value);
    else if (flag === '--duration') options.duration = value;
    else if (flag === '--k6') options.k6 = value;
    else if (flag === '--base-url') options.baseUrl = value;
    else fail(`unknown flag ${flag} (use --rate, --duration, --k6, --base-url)`);
  }
  if (!Number.isInteger(options.rate) || options.rate < 1 || options.rate > 5000) {
    fail('--rate must be an integer from 1 to 5000');
  }
  if (!/^\d+(s|m)$/.test(options.duration)) fail('--duration must look like 20s or 2m');
  return options;
}

function fail(message) {
  console.error(`bench-orders: ${message}`);
  process.exit(2);
}

/** utime + stime in clock ticks and the parent pid of every process, from /proc. */
function readProcesses() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we read
    }
  }
  return table;
}

/** CPU ticks of a process and all its descendants (PostgreSQL forks a backend per connection). */
function treeTicks(table, pid) {
  let total = table.get(pid)?.ticks ?? 0;
  for (const [child, info] of table) if (info.ppid === pid) total += treeTicks(table, child);
  return total;
}

/** CPU ticks of this script's finished children (k6), from /proc/self/stat cutime + cstime. */
function childTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

function snapshot(processes) {
  const table = readProcesses();
  return processes.map((p) => treeTicks(table, p.pid));
}

const options = parseArgs(process.argv.slice(2));
let state;
try {
  state = JSON.parse(readFileSync(join(root, '.mesh/state.json'), 'utf8'));
} catch {
  fail('no running system found (.mesh/state.json); start it with ./scripts/start-multi-agent.sh');
}
if (state.mode !== 'local') fail('CPU per process needs the local mode (MESH_MODE=local)');
const processes = state.processes.filter((p) => Number.isInteger(p.pid));
const labels = processes.map((p) =>
  p.replica > 1 || p.kind === 'agent' ? `${p.name}-${p.replica}` : p.name,
);

const summaryDir = mkdtempSync(join(tmpdir(), 'bench-orders-'));
const summaryFile = join(summaryDir, 'summary.json');
const before = snapshot(processes);
const k6Before = childTicks();
const started = process.hrtime.bigint();
const k6 = spawnSync(
  options.k6,
  [
    'run',
    '--quiet',
    '--summary-export',
    summaryFile,
    '-e',
    'SCENARIOS=sustained',
    '-e',
    `RATE=${options.rate}`,
    '-e',
    `DURATION=${options.duration}`,
    '-e',
    `BASE_URL=${options.baseUrl}`,
    '-e',
    `USERS=${Math.min(100, Math.max(10, options.rate))}`,
    join(root, 'loadtest/orders.js'),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const after = snapshot(processes);
const k6Ms = (childTicks() - k6Before) * 10;
const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
if (k6.error) fail(`could not run k6 (${k6.error.message}); install it with loadtest/install-k6.sh`);

const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
const metric = (name) => summary.metrics[name] ?? {};
const completed = metric('orders_completed').count ?? 0;
const failed = metric('orders_failed').count ?? 0;
const latency = metric('http_req_duration{scenario:sustained}');
const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux: one tick is 10 ms
const rows = processes
  .map((p, i) => ({ label: labels[i], ms: (after[i] - before[i]) / ticksPerMs }))
  .filter((row) => row.ms > 0)
  .sort((a, b) => b.ms - a.ms);
const totalMs = rows.reduce((sum, row) => sum + row.ms, 0);

console.log(
  `\nrate ${options.rate}/s for ${options.duration}: ${completed} completed, ${failed} failed, ` +
    `${(completed / wallSeconds).toFixed(1)} orders/s over ${wallSeconds.toFixed(1)} s (k6 exit ${k6.status})`,
);
console.log(
  `latency p50 ${fmt(latency['med'])} ms, p95 ${fmt(latency['p(95)'])} ms, max ${fmt(latency['max'])} ms`,
);
console.log('\nCPU per completed order (ms), by process:');
for (const row of rows) {
  console.log(`  ${row.label.padEnd(24)} ${(row.ms / Math.max(1, completed)).toFixed(2).padStart(7)}`);
}
console.log(`  ${'total'.padEnd(24)} ${(totalMs / Math.max(1, completed)).toFixed(2).padStart(7)}`);
console.log(
  `  ${'(k6, the load generator)'.padEnd(24)} ${(k6Ms / Math.max(1, completed)).toFixed(2).padStart(7)}`,
);
process.exit(k6.status ?? 1);

function fmt(value) {
  return typeof value === 'number' ? value.toFixed(1) : '-';
}
