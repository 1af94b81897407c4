#!/usr/bin/env node
// Sustained-rate order benchmark with the CPU each process spent per order.
//
//   ./scripts/start-multi-agent.sh
//   node scripts/bench-orders.mjs --rate 50 --duration 20s [--warmup 10s] [--k6 .mesh/bin/k6] [--base-url http://127.0.0.1:8080] [--no-floor]
//   node scripts/bench-orders.mjs --flow checkout --rate 10 --duration 30s     (also: pnpm bench:checkout)
//   node scripts/bench-orders.mjs --compare-tls --rate 60 --duration 30s [--rounds 2] [--warmup 10s]
//   node scripts/bench-orders.mjs --compare-env MONEY_SYNCHRONOUS_COMMIT=false,true --rate 60 --duration 30s
//   node scripts/bench-orders.mjs --compare-root /tmp/checkout-of-main --rate 100 --duration 30s
//
// Single mode runs k6 (loadtest/orders.js, sustained scenario only; with --flow checkout loadtest/checkout.js:
// each order is a cart set with POST /cart and checked out with POST /cart/checkout) against the running local
// system of MESH_HOME (as meshctl reads it: default <root>/.mesh, a relative one from where pnpm was called)
// after an unmeasured warm-up at the same rate (--warmup, 10s; 0s for none: a system just started opens its
// connections and compiles its hot paths in its first seconds), and prints:
//   - the warm-up's own figures on one line (orders, failed, p95, CPU per order, connections and PostgreSQL
//     sessions opened), so what a cold system costs stays visible;
//   - which Node runs the system's processes (lib/node-runtime.mjs: the version moves every figure);
//   - orders/s, latency (of each request kind of the flow), completed and failed orders;
//   - CPU ms per completed order of every process of its state.json with its children, exited ones included
//     (utime+stime+cutime+cstime over each process tree from /proc before and after: a PostgreSQL backend that
//     ended during the run counts through the postmaster; lib/proc-cpu.mjs). The USERS demo users (the rate,
//     10 to 100, for orders; four times the rate, 20 to 100, for checkout, one per cart in flight;
//     lib/bench-flows.mjs) are logged in by the bench before the window opens and handed to k6 in TOKENS_FILE
//     (lib/bench-logins.mjs): a login's password hashing is not part of an order. The window holds k6's
//     setup reads of the catalogue;
//   - the generator beside it: asked vs sent rate, k6's dropped iterations and CPU, the host's scheduling lag
//     (event-loop delay of this process, p50/p99/max; lib/host-lag.mjs), the cores the rest of the host and
//     the hypervisor took (the machine's CPU from /proc/stat less the system's, k6's and the bench's own;
//     lib/host-cpu.mjs) and the load average, with a WARNING line when the generator could not keep up and
//     another when others took more than a quarter of a core;
//   - the floor (strict systems): one mesh hop (a call frame and its answer on a mesh stream, as agents call
//     each other) and one HTTP request (as k6 reaches the gateway), both over mTLS between two Node processes
//     with the mesh's certificates, and one pg statement round trip against the system's PostgreSQL, measured
//     at the run's spacing just before it; the hop times the mesh calls (mesh_dependency_calls_total), the
//     request's server side once, the statement times the PostgreSQL transactions (pg_stat_database) per order
//     of the run (lib/floor.mjs); it waits 11 s after k6 so PostgreSQL has reported its counts.
//
// --compare-tls starts two local systems side by side, one with MCP_MESH_TLS_MODE=off and one strict (each in a
// MESH_HOME of its own under a temp dir, with its own port offset and embedded PostgreSQL; DATABASE_URL and the
// other real-server variables are ignored so neither shares anything with the other), runs the same sustained
// phase against them alternately, each after an unmeasured warm-up on its system (off, strict, off, strict… for --rounds rounds), stops both and
// prints each phase, the medians per mode and strict/off ratios. --compare-env NAME=A,B does the same for two
// strict systems that differ only in the variable NAME (A first, B second; ratios are B/A). --compare-root DIR does
// it for two builds: A (`before`) runs from DIR, another checkout, built (its own bin/meshctl and dist), B
// (`after`) from this one, both strict. Each drives the flow of --flow (default orders). Linux only (reads /proc).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { flowOf, k6Args, latenciesOf } from './lib/bench-flows.mjs';
import { loginDemoUsers, writeTokensFile } from './lib/bench-logins.mjs';
import { floorOf, measureTransports, readPathCounters } from './lib/floor.mjs';
import { busyHost, describeOthers, othersOnHost, readHostCpu } from './lib/host-cpu.mjs';
import { generatorShortfalls, watchHostLag } from './lib/host-lag.mjs';
import { meshHomeOf, readLocalState } from './lib/mesh-home.mjs';
import { auditSystem } from './lib/order-audit.mjs';
import { databaseUrlOf, pgSessionsSoFar } from './lib/system-postgres.mjs';
import { describeNodes } from './lib/node-runtime.mjs';
import { TICKS_PER_SECOND, parseStat, snapshotTreesBoth } from './lib/proc-cpu.mjs';
import { SAMPLE_INTERVAL_MS, watchNewConnections } from './lib/tcp-connections.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
/**
 * Port offsets of the two compared systems: MESH_PORT_OFFSET and 1,000 above it when set (so two people can
 * compare at once), else 21,000 and 22,000; below the kernel's ephemeral range, apart from the defaults.
 */
function compareOffsets(value = process.env.MESH_PORT_OFFSET) {
  if (value === undefined || value === '') return [21_000, 22_000];
  const base = Number(value);
  if (!Number.isInteger(base) || base < 0 || base > 49_000) {
    fail(`MESH_PORT_OFFSET=${value}: expected a whole number from 0 to 49000 (the second system adds 1000)`);
  }
  return [base, base + 1_000];
}
/** Variables that would point a system at shared servers; --compare-tls wants two self-contained systems. */
const SHARED_SERVER_VARS = [
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_HOST',
  'RABBITMQ_URL',
  'SMTP_HOST',
  'PAYMENT_GATEWAY_URL',
  'DB_HOST',
  'MCP_MESH_REGISTRY_URL',
];
const USAGE =
  'use --flow orders|checkout, --rate N, --duration 20s, --warmup 10s, --k6 PATH, --base-url URL, --no-floor; or --compare-tls | ' +
  '--compare-env NAME=A,B | --compare-root DIR [--rounds N] [--warmup 10s]';

function parseArgs(argv) {
  const options = {
    flow: flowOf('orders'),
    rate: 30,
    duration: '20s',
    k6: join(root, '.mesh/bin/k6'),
    baseUrl: undefined,
    compareTls: false,
    /** The two systems to compare: a label, the variables that make it differ and the checkout it runs from. */
    variants: undefined,
    rounds: 2,
    warmup: '10s',
    /** Measure the floor (single mode): the path's transports alone, priced and counted per order. */
    floor: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--compare-tls') {
      options.compareTls = true;
      continue;
    }
    if (flag === '--no-floor') {
      options.floor = false;
      continue;
    }
    const value = argv[(i += 1)];
    if (value === undefined) fail(`missing value after ${flag}`);
    if (flag === '--flow') options.flow = flowOrFail(value);
    else if (flag === '--rate') options.rate = Number(value);
    else if (flag === '--duration') options.duration = value;
    else if (flag === '--k6') options.k6 = value;
    else if (flag === '--base-url') options.baseUrl = value;
    else if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--warmup') options.warmup = value;
    else if (options.variants && (flag === '--compare-env' || flag === '--compare-root')) {
      fail('--compare-tls, --compare-env and --compare-root are one at a time');
    } else if (flag === '--compare-env') {
      const match = /^([A-Z_][A-Z0-9_]*)=([^,]*),([^,]*)$/.exec(value);
      if (!match) fail('--compare-env takes NAME=A,B (e.g. MONEY_SYNCHRONOUS_COMMIT=false,true)');
      const [, name, a, b] = match;
      options.variants = [a, b].map((v) => ({ label: `${name}=${v}`, env: { [name]: v }, root }));
    } else if (flag === '--compare-root') {
      const other = resolve(value);
      if (other === root) fail('--compare-root must name another checkout than this one');
      options.variants = [
        { label: 'before', env: {}, root: other },
        { label: 'after', env: {}, root },
      ];
    } else fail(`unknown flag ${flag} (${USAGE})`);
  }
  if (!Number.isInteger(options.rate) || options.rate < 1 || options.rate > 5000) {
    fail('--rate must be an integer from 1 to 5000');
  }
  if (!/^\d+(s|m)$/.test(options.duration)) fail('--duration must look like 20s or 2m');
  if (!/^\d+(s|m)$/.test(options.warmup)) fail('--warmup must look like 10s or 1m (0s for none)');
  if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > 10) {
    fail('--rounds must be an integer from 1 to 10');
  }
  if (options.compareTls && options.variants)
    fail('--compare-tls, --compare-env and --compare-root are one at a time');
  if (options.compareTls)
    options.variants = ['off', 'strict'].map((mode) => ({
      label: mode,
      env: { MCP_MESH_TLS_MODE: mode },
      root,
    }));
  if (options.variants && options.baseUrl) fail('--base-url does not go with a comparison');
  return options;
}

/** A failure to report in one line; thrown (not exit) so that started systems are stopped on the way out. */
class BenchError extends Error {}

function fail(message) {
  throw new BenchError(message);
}

function flowOrFail(name) {
  try {
    return flowOf(name);
  } catch (error) {
    return fail(error.message);
  }
}

/**
 * CPU ticks of this script's finished children, from /proc/self/stat cutime + cstime: k6 during a phase (the
 * floor's processes have exited and been waited for before it starts).
 */
function childTicks() {
  const stat = parseStat(readFileSync('/proc/self/stat', 'utf8'));
  return stat.cutime + stat.cstime;
}

/** CPU ticks of each process of the system with its children, exited ones included (see lib/proc-cpu.mjs). */
function snapshot(processes) {
  return snapshotTreesBoth(processes.map((p) => p.pid));
}

/** Which Node the processes of `state` run on (its version weighs on every figure: docs/benchmarks.md). */
function nodesOf(state) {
  return describeNodes(state.processes.filter((p) => Number.isInteger(p.pid)).map((p) => p.pid));
}

/** The local system's state.json in `home`; fails with a hint when none runs there or it is not local. */
function localStateOrFail(home) {
  try {
    return readLocalState(home);
  } catch (error) {
    fail(error.message);
  }
}

/**
 * Ports on which the system's processes speak the mesh protocol (registry and agents, but not the gateway's
 * public port, which stays plain HTTP): connections to them are the ones strict mode wraps in mTLS.
 */
function meshPorts(state) {
  const ports = new Set();
  for (const p of state.processes) {
    if ((p.kind !== 'agent' && p.kind !== 'registry') || p.name === 'api-gateway') continue;
    const port = p.port ?? (p.url ? Number(new URL(p.url).port) : undefined);
    if (port) ports.add(port);
  }
  return ports;
}

/** Runs k6 and resolves with its exit status once it has exited. */
function runK6(k6Path, args, quiet) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(k6Path, args, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
    child.once('error', (error) =>
      reject(new BenchError(`could not run k6 (${error.message}); install it with loadtest/install-k6.sh`)),
    );
    child.once('exit', (code) => resolvePromise(code));
  });
}

/**
 * One sustained k6 phase of `flow` against a running local system: orders/s, latency, CPU ms per completed
 * order of each process of `state` (with its children) and of k6, the connections opened between mesh
 * processes and the PostgreSQL sessions started.
 */
async function runPhase(state, { flow, rate, duration, k6Path, baseUrl, quiet = false }) {
  const processes = state.processes.filter((p) => Number.isInteger(p.pid));
  const labels = processes.map((p) =>
    p.replica > 1 || p.kind === 'agent' ? `${p.name}-${p.replica}` : p.name,
  );
  const summaryDir = mkdtempSync(join(tmpdir(), 'bench-orders-'));
  const summaryFile = join(summaryDir, 'summary.json');
  // The users are logged in before the CPU window opens: password hashing is not part of an order.
  const tokensFile = writeTokensFile(await loginDemoUsers(baseUrl, flow.users(rate)));
  const databaseUrl = databaseUrlOf(state);
  const sessionsBefore = databaseUrl ? await pgSessionsSoFar(databaseUrl) : undefined;
  const before = snapshot(processes);
  const k6Before = childTicks();
  const hostBefore = readHostCpu();
  const benchBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const hostLag = watchHostLag();
  const watch = watchNewConnections(meshPorts(state));
  const k6Status = await runK6(
    k6Path,
    k6Args(flow, { root, rate, duration, baseUrl, summaryFile, tokensFile }),
    quiet,
  );
  const newConnections = watch.stop();
  const lag = hostLag.stop();
  const after = snapshot(processes);
  // The reading after is itself a session.
  const newPgSessions =
    sessionsBefore === undefined ? undefined : (await pgSessionsSoFar(databaseUrl)) - sessionsBefore - 1;
  const k6Ms = ((childTicks() - k6Before) * 1000) / TICKS_PER_SECOND;
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const benchCpu = process.cpuUsage(benchBefore);
  const hostAfter = readHostCpu();
  let summary;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  } catch {
    fail(`k6 wrote no summary (exit ${k6Status})`);
  } finally {
    rmSync(summaryDir, { recursive: true, force: true });
    rmSync(dirname(tokensFile), { recursive: true, force: true });
  }
  const metric = (name) => summary.metrics[name] ?? {};
  const completed = metric('orders_completed').count ?? 0;
  const failed = metric('orders_failed').count ?? 0;
  // The first latency is the flow's order request (POST /orders, POST /cart/checkout): comparisons use it.
  const latencies = latenciesOf(flow, summary);
  const [latency] = latencies;
  const durationSeconds = seconds(duration);
  const dropped = metric('dropped_iterations').count ?? 0;
  const achieved = (metric('iterations').count ?? 0) / durationSeconds;
  const msPerTick = 1000 / TICKS_PER_SECOND;
  const perOrder = (ms) => ms / Math.max(1, completed);
  // Each process tree's CPU in the window; their sum is the system's.
  const processMs = processes.map((_, i) => (after[i].ticks - before[i].ticks) * msPerTick);
  const systemMs = processMs.reduce((sum, ms) => sum + ms, 0);
  const rows = processes
    .map((p, i) => ({
      label: labels[i],
      msPerOrder: perOrder(processMs[i]),
      // What reading live processes alone would have shown: the rest is children that exited in the window.
      liveOnlyMsPerOrder: perOrder((after[i].liveOnly - before[i].liveOnly) * msPerTick),
    }))
    .filter((row) => row.msPerOrder > 0)
    .sort((a, b) => b.msPerOrder - a.msPerOrder);
  const host = othersOnHost({
    before: hostBefore,
    after: hostAfter,
    ownMs: systemMs + k6Ms + (benchCpu.user + benchCpu.system) / 1000,
    wallSeconds,
    cores: cpus().length,
  });
  return {
    completed,
    failed,
    wallSeconds,
    ordersPerSec: completed / wallSeconds,
    p50: latency.p50,
    p95: latency.p95,
    max: latency.max,
    latencies,
    rows,
    totalMsPerOrder: rows.reduce((sum, row) => sum + row.msPerOrder, 0),
    k6MsPerOrder: perOrder(k6Ms),
    k6CoreShare: k6Ms / 1000 / wallSeconds,
    k6Status,
    asked: rate,
    achieved,
    dropped,
    lag,
    shortfalls: generatorShortfalls({ asked: rate, achieved, dropped, durationSeconds, lag }),
    host,
    busyHost: busyHost(host),
    newConnections,
    newPgSessions,
  };
}

function printPhase(result, { flow, rate, duration }, nodes) {
  console.log(`\nflow: ${flow.description} (${flow.script})`);
  console.log(`system: ${nodes}`);
  console.log(
    `rate ${rate}/s for ${duration}: ${result.completed} completed, ${result.failed} failed, ` +
      `${result.ordersPerSec.toFixed(1)} orders/s over ${result.wallSeconds.toFixed(1)} s (k6 exit ${result.k6Status})`,
  );
  for (const latency of result.latencies) {
    console.log(
      `latency ${result.latencies.length > 1 ? `${latency.label} ` : ''}p50 ${fmt(latency.p50)} ms, ` +
        `p95 ${fmt(latency.p95)} ms, max ${fmt(latency.max)} ms`,
    );
  }
  console.log(
    `connections opened between mesh processes: at least ${result.newConnections} (sampled every ${SAMPLE_INTERVAL_MS / 1000} s)` +
      (result.newPgSessions === undefined
        ? ''
        : `; PostgreSQL sessions started: ${result.newPgSessions} (pg_stat_database)`),
  );
  console.log('\nCPU per completed order (ms), by process:');
  for (const row of result.rows) {
    const exited = row.msPerOrder - row.liveOnlyMsPerOrder;
    console.log(
      `  ${row.label.padEnd(24)} ${row.msPerOrder.toFixed(2).padStart(7)}` +
        (exited >= 0.005 ? `   (${exited.toFixed(2)} of it in children that exited during the run)` : ''),
    );
  }
  const attempted = result.completed + result.failed;
  console.log(
    `  ${'total'.padEnd(24)} ${result.totalMsPerOrder.toFixed(2).padStart(7)}` +
      (result.failed > 0
        ? `   (${((result.totalMsPerOrder * result.completed) / attempted).toFixed(2)} per order attempted, failed included)`
        : ''),
  );
  console.log(`  ${'(k6, the load generator)'.padEnd(24)} ${result.k6MsPerOrder.toFixed(2).padStart(7)}`);
  printGenerator(result);
}

/** What the generator did and how late the host ran it; a warning when it could not keep up. */
function printGenerator(result) {
  const { lag } = result;
  console.log(
    `\ngenerator: asked ${result.asked}/s, sent ${result.achieved.toFixed(1)}/s, ${result.dropped} dropped ` +
      `iterations; k6 CPU ${result.k6MsPerOrder.toFixed(2)} ms/order (${(result.k6CoreShare * 100).toFixed(0)}% of a core)`,
  );
  console.log(
    `host: scheduling lag p50 ${lag.p50Ms.toFixed(1)} ms, p99 ${lag.p99Ms.toFixed(1)} ms, max ${lag.maxMs.toFixed(1)} ms; ` +
      `${describeOthers(result.host)} (the rest of the host, from /proc/stat); load average ` +
      `${lag.loadStart.toFixed(2)} at start, ${lag.loadEnd.toFixed(2)} at end (the system's own processes count in it)`,
  );
  if (result.shortfalls.length > 0)
    console.log(
      `WARNING: the generator could not keep up (${result.shortfalls.join('; ')}): ` +
        'latency and orders/s here measure the host as much as the system',
    );
  if (result.busyHost)
    console.log(
      `WARNING: the host is busy (${result.busyHost}): the system did not have the cores to itself`,
    );
}

/** Seconds of a k6 duration such as 30s or 2m. */
function seconds(duration) {
  const value = Number.parseInt(duration, 10);
  return duration.endsWith('m') ? value * 60 : value;
}

function fmt(value) {
  return typeof value === 'number' ? value.toFixed(1) : '-';
}

/** Round trips of each transport the floor measures: a few seconds at the bench's spacing. */
const FLOOR_ROUND_TRIPS = 300;
/**
 * PostgreSQL (15+) backends report their transaction counts when idle for 10 s at the latest: the counts after
 * a run are read this long after it, when the pools' last transactions have been reported.
 */
const PG_STATS_SETTLE_MS = 11_000;

async function single(options) {
  const state = localStateOrFail(meshHomeOf(process.env, root));
  const since = new Date();
  const baseUrl = options.baseUrl ?? state.gatewayUrl ?? 'http://127.0.0.1:8080';
  const databaseUrl = databaseUrlOf(state);
  const floor = options.floor && state.tls && databaseUrl;
  if (options.floor && !floor)
    console.log('floor: not measured (it needs a strict system and a DATABASE_URL in the state)');
  if (options.warmup !== '0s') {
    const warm = await runPhase(state, {
      ...options,
      duration: options.warmup,
      k6Path: options.k6,
      baseUrl,
      quiet: true,
    });
    console.log(
      `warm-up (not measured below): ${options.warmup} at ${options.rate}/s, ${warm.completed} completed, ` +
        `${warm.failed} failed, p95 ${fmt(warm.p95)} ms, CPU ${warm.totalMsPerOrder.toFixed(2)} ms/order, ` +
        `${warm.newConnections} new mesh connections, ${warm.newPgSessions ?? '-'} PostgreSQL sessions started`,
    );
  }
  // The transports first, so that none of their processes (children of this one, or PostgreSQL backends)
  // ends inside the measured window and lands in its CPU.
  const transports = floor
    ? await measureTransports({ tls: state.tls, databaseUrl, rate: options.rate, count: FLOOR_ROUND_TRIPS })
    : undefined;
  const countersBefore = floor ? await readPathCounters(state, databaseUrl) : undefined;
  if (floor) await sleep(1000);
  const result = await runPhase(state, { ...options, k6Path: options.k6, baseUrl });
  let path;
  if (floor) {
    await sleep(PG_STATS_SETTLE_MS);
    const after = await readPathCounters(state, databaseUrl);
    const orders = Math.max(1, result.completed);
    path = {
      hopsPerOrder: (after.meshCalls - countersBefore.meshCalls) / orders,
      // The reading of the counters before is itself one transaction.
      transactionsPerOrder: (after.transactions - countersBefore.transactions - 1) / orders,
      ...transports,
    };
  }
  printPhase(result, options, nodesOf(state));
  if (path) printFloor(path, result, options);
  const held = await printAudit(
    state,
    since,
    options.warmup === '0s' ? 'the orders of the run' : 'the orders of the warm-up and the run',
  );
  return held ? (result.k6Status ?? 1) : 1;
}

/**
 * Audits money and stock over the orders placed since `since` (lib/order-audit.mjs) and prints the verdict;
 * false when an invariant broke (the bench then exits non-zero whatever k6 said).
 */
async function printAudit(state, since, what) {
  let audit;
  try {
    audit = await auditSystem(state, since);
  } catch (error) {
    console.log(`\naudit of ${what}: could not be read (${error.message})`);
    return false;
  }
  if (audit.skipped) {
    console.log(`audit: not run (${audit.skipped})`);
    return true;
  }
  console.log(`\naudit of ${what}: ${audit.summary}`);
  return audit.problems.length === 0;
}

/** The floor beside the measured CPU: what the path's hops and statements cost with nothing else to do. */
function printFloor(path, result, options) {
  const floor = floorOf(path);
  const { hop, request, statement } = path;
  console.log(`\n${floor.line}`);
  console.log(
    `  measured ${result.totalMsPerOrder.toFixed(2)} ms/order = ${(result.totalMsPerOrder / floor.ms).toFixed(1)} x floor` +
      `; the floor with the hops as HTTP requests: ${floor.overHttpMs.toFixed(2)} ms`,
  );
  console.log(
    `  one mesh hop (stream): client ${hop.clientCpuMs.toFixed(3)} + server ${hop.serverCpuMs.toFixed(3)} ms CPU, ` +
      `p50 ${hop.p50Ms.toFixed(2)} ms; one HTTP request: client ${request.clientCpuMs.toFixed(3)} + ` +
      `server ${request.serverCpuMs.toFixed(3)} ms CPU, p50 ${request.p50Ms.toFixed(2)} ms; one statement: ` +
      `client ${statement.clientCpuMs.toFixed(3)} + backend ${statement.serverCpuMs.toFixed(3)} ms CPU, ` +
      `p50 ${statement.p50Ms.toFixed(2)} ms (${FLOOR_ROUND_TRIPS} each, ${(1000 / options.rate).toFixed(1)} ms apart, ` +
      "before the run; mTLS with the mesh's certificates)",
  );
  console.log(
    '  hops: mesh_dependency_calls_total of every agent; transactions: pg_stat_database ' +
      '(a transaction of several statements counts once), per completed order during the run',
  );
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** Environment of one compared system: its home, port offset and differing variables, no shared servers. */
function systemEnv(base, variants, index) {
  const env = { ...process.env };
  for (const name of SHARED_SERVER_VARS) delete env[name];
  return {
    ...env,
    MESH_HOME: join(base, String(index)),
    MESH_PORT_OFFSET: String(compareOffsets()[index]),
    MESH_MODE: 'local',
    ...variants[index].env,
  };
}

/** Runs the meshctl of `checkout` (default: this one) on that checkout. */
function meshctlRun(args, env, checkout = root) {
  const run = spawnSync(join(checkout, 'bin/meshctl'), [...args, '--root', checkout], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { status: run.status, output: run.stdout?.toString('utf8') ?? '' };
}

/** Median of `pick` over phases (robust to the one phase a busy neighbour spoils). */
function median(phases, pick) {
  const values = phases.map(pick).sort((a, b) => a - b);
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

function spread(phases, pick, digits = 1) {
  const values = phases.map(pick);
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

async function compare(options) {
  const variants = options.variants;
  const base = mkdtempSync(join(tmpdir(), 'bench-orders-compare-'));
  // The embedded PostgreSQL runs as its own user when we are root: it must be able to traverse to its data.
  chmodSync(base, 0o711);
  for (const index of [0, 1]) mkdirSync(join(base, String(index)), { mode: 0o711 });
  const modes = [0, 1];
  const started = [];
  const stopAll = () => {
    for (const mode of started.splice(0).reverse()) {
      const down = meshctlRun(['down'], systemEnv(base, variants, mode), variants[mode].root);
      if (down.status !== 0)
        console.error(`bench-orders: stopping the ${variants[mode].label} system failed:\n${down.output}`);
    }
  };
  process.on('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  const phases = [[], []];
  const held = [false, false];
  try {
    const states = {};
    for (const mode of modes) {
      console.log(
        `starting the ${variants[mode].label} system (MESH_HOME=${join(base, String(mode))}, offset ${compareOffsets()[mode]})`,
      );
      started.push(mode);
      const up = meshctlRun(['up'], systemEnv(base, variants, mode), variants[mode].root);
      if (up.status !== 0) fail(`the ${variants[mode].label} system did not start:\n${up.output}`);
      const ready = /ready in ([\d.]+ s)/.exec(up.output)?.[1];
      if (ready) console.log(`  ready in ${ready}`);
      states[mode] = localStateOrFail(join(base, String(mode)));
      console.log(`  its processes run on ${nodesOf(states[mode])}`);
    }
    const phase = (mode, duration, quiet) =>
      runPhase(states[mode], {
        flow: options.flow,
        rate: options.rate,
        duration,
        k6Path: options.k6,
        baseUrl: states[mode].gatewayUrl,
        quiet,
      });
    console.log(`each measured phase follows an unmeasured ${options.warmup} at the same rate on its system`);
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const mode of round % 2 === 1 ? modes : [...modes].reverse()) {
        // While the other system ran, this one may have closed idle connections (its pools after
        // DB_POOL_IDLE_TIMEOUT) and cooled: warm it again, so that every phase measures the steady state.
        if (options.warmup !== '0s') await phase(mode, options.warmup, true);
        const result = await phase(mode, options.duration, true);
        phases[mode].push(result);
        console.log(
          `round ${round} ${variants[mode].label.padEnd(6)} ${result.ordersPerSec.toFixed(1)} orders/s, ` +
            `p50 ${fmt(result.p50)} ms, p95 ${fmt(result.p95)} ms, ${result.failed} failed, ` +
            `CPU ${result.totalMsPerOrder.toFixed(2)} ms/order (k6 ${result.k6MsPerOrder.toFixed(2)}), ` +
            `${result.newConnections} new mesh connections, ${result.newPgSessions ?? '-'} new PostgreSQL sessions, sent ${result.achieved.toFixed(1)}/s, ` +
            `${result.dropped} dropped, lag p99 ${result.lag.p99Ms.toFixed(0)} ms, ` +
            `others ${result.host.othersCores.toFixed(2)} cores, steal ${result.host.stealCores.toFixed(2)}`,
        );
        if (result.shortfalls.length > 0)
          console.log(`  WARNING: the generator could not keep up (${result.shortfalls.join('; ')})`);
        if (result.busyHost) console.log(`  WARNING: the host is busy (${result.busyHost})`);
      }
    }
    // Each system was new: every order it holds is one of this comparison's.
    for (const mode of modes)
      held[mode] = await printAudit(states[mode], new Date(0), `every order of ${variants[mode].label}`);
  } finally {
    stopAll();
    rmSync(base, { recursive: true, force: true });
  }
  const status = printComparison(phases, options);
  return held.every(Boolean) ? status : 1;
}

function printComparison(phases, options) {
  const [off, strict] = phases;
  const [nameA, nameB] = options.variants.map((variant) => variant.label);
  const line = (label, pick, digits, unit) =>
    console.log(
      `  ${label.padEnd(22)} ${median(off, pick).toFixed(digits).padStart(8)} ${median(strict, pick).toFixed(digits).padStart(8)}` +
        `   ${(median(off, pick) === 0 ? '-' : (median(strict, pick) / median(off, pick)).toFixed(3)).padStart(6)}   ` +
        `(${nameA} ${spread(off, pick, digits)}, ${nameB} ${spread(strict, pick, digits)} ${unit})`,
    );
  console.log(
    `\n${options.flow.description}: rate ${options.rate}/s, ${options.rounds} phase(s) of ${options.duration} per mode, ` +
      'alternating; medians:',
  );
  console.log(`  ${''.padEnd(22)} ${'A'.padStart(8)} ${'B'.padStart(8)}   B/A   (A: ${nameA}, B: ${nameB})`);
  line('orders/s', (p) => p.ordersPerSec, 1, 'orders/s');
  line('p50 ms', (p) => p.p50 ?? Number.NaN, 1, 'ms');
  line('p95 ms', (p) => p.p95 ?? Number.NaN, 1, 'ms');
  line('CPU ms/order', (p) => p.totalMsPerOrder, 2, 'ms');
  line('failed', (p) => p.failed, 0, 'orders');
  line('new mesh connections', (p) => p.newConnections, 0, 'connections');
  line('PostgreSQL sessions', (p) => p.newPgSessions ?? Number.NaN, 0, 'sessions');
  const cores = cpus().length;
  const cpuOff = median(off, (p) => p.totalMsPerOrder);
  const cpuStrict = median(strict, (p) => p.totalMsPerOrder);
  console.log(
    `\nadded by ${nameB}: p50 ${(median(strict, (p) => p.p50) - median(off, (p) => p.p50)).toFixed(1)} ms per order, ` +
      `CPU ${(cpuStrict - cpuOff).toFixed(2)} ms per order; ` +
      `orders/s ${cores} cores could carry at that CPU cost (an upper bound): ` +
      `${nameA} ${((cores * 1000) / cpuOff).toFixed(0)}, ${nameB} ${((cores * 1000) / cpuStrict).toFixed(0)}`,
  );
  console.log(`\nCPU per completed order (ms), by process, median of phases (${nameA} -> ${nameB}):`);
  const labels = [...new Set([...off, ...strict].flatMap((p) => p.rows.map((row) => row.label)))];
  const byLabel = (list, label) =>
    median(list, (p) => p.rows.find((row) => row.label === label)?.msPerOrder ?? 0);
  for (const label of labels.sort((a, b) => byLabel(strict, b) - byLabel(strict, a))) {
    const [a, b] = [byLabel(off, label), byLabel(strict, label)];
    console.log(
      `  ${label.padEnd(24)} ${a.toFixed(2).padStart(7)} -> ${b.toFixed(2).padStart(7)}  (${(b - a >= 0 ? '+' : '') + (b - a).toFixed(2)})`,
    );
  }
  return [...off, ...strict].some((p) => p.k6Status !== 0) ? 1 : 0;
}

try {
  const options = parseArgs(process.argv.slice(2));
  process.exit(await (options.variants ? compare(options) : single(options)));
} catch (error) {
  if (!(error instanceof BenchError)) throw error;
  console.error(`bench-orders: ${error.message}`);
  process.exit(2);
}
