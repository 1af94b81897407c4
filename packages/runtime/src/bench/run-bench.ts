// `pnpm --filter @mesh/runtime bench`: per-hop latency at a fixed rate and max calls/s for (a) a raw node:http
// JSON-RPC echo, (b) the official MCP SDK's stateless server, (c) our runtime consumer -> provider, plain
// (`off`) and strict (mTLS and the capability policy, registry included); plus the servers' idle and loaded
// RSS, and for (c) the consumer agent's too (it runs, and makes its calls, in a process of its own).
// Everything runs on loopback on this machine, one system at a time.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { CPU_TICK_US, cpuTicks, freePort, settleProcesses, waitForHttp } from '@mesh/testkit';
import { BENCH_CONSUMER, BENCH_PROVIDER } from './bench-names.js';
import { plainTrust, strictTrust } from './bench-trust.js';
import type { BenchTrust } from './bench-trust.js';
import { ConsumerProcess } from './consumer-process.js';
import type { ConnectionCounts } from './consumer-process.js';
import { startOtlpSink } from './otlp-sink.js';
import type { OtlpSink } from './otlp-sink.js';
import {
  baselineSummary,
  contractSummary,
  connectionsText,
  runtimeSummary,
  strictSummary,
  tracingSummary,
} from './report.js';
import type { SystemResult } from './report.js';
import { measureLatency, measureThroughput, percentile, rawToolCaller } from './load.js';
import type { CallFn, LatencyResult, ThroughputResult } from './load.js';

const DEFAULTS = { BENCH_RATE: 500, BENCH_DURATION_MS: 5000, BENCH_CONCURRENCY: 32 };
const RATE = Number(process.env['BENCH_RATE'] ?? DEFAULTS.BENCH_RATE);
const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? DEFAULTS.BENCH_DURATION_MS);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? DEFAULTS.BENCH_CONCURRENCY);

/** The command that reproduces this run: the settings that differ from the defaults, then the script. */
function command(): string {
  const settings = { BENCH_RATE: RATE, BENCH_DURATION_MS: DURATION_MS, BENCH_CONCURRENCY: CONCURRENCY };
  const changed = Object.entries(settings).filter(
    ([name, value]) => value !== DEFAULTS[name as keyof typeof DEFAULTS],
  );
  return [...changed.map(([name, value]) => `${name}=${value}`), 'pnpm bench:runtime'].join(' ');
}
const here = dirname(fileURLToPath(import.meta.url));

/**
 * BENCH_CPU_PROF_DIR=<dir>: the provider and consumer agents of the (c) systems run under `node --cpu-prof`
 * and write `<system>-<role>.cpuprofile` there when they stop (NODE_OPTIONS refuses --cpu-prof).
 */
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF_DIR'];
function profileArgs(name: string): string[] {
  return CPU_PROF_DIR === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`, `--cpu-prof-name=${name}.cpuprofile`];
}

interface Child {
  process: ChildProcess;
  port: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function startChild(
  script: string,
  env: Record<string, string>,
  readyUrl?: (port: number) => string,
  probeTls?: ConnectionOptions,
  nodeArgs: readonly string[] = [],
): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (readyUrl) {
    child.stdout?.resume();
    await waitForHttp(readyUrl(port), {
      status: 200,
      timeoutMs: 20_000,
      ...(probeTls ? { tls: probeTls } : {}),
    });
  } else {
    // The baseline servers print LISTENING once bound.
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 20_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (seen.includes('LISTENING')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
  return { process: child, port };
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A started system under test: how to load it, the server pid to watch, how to stop it. */
interface System {
  /** `a`, `as` (a over mTLS), `b`, `c` (plain) or `cs` (strict), as BENCH_SYSTEMS names it. */
  key: string;
  name: string;
  latency(rate: number, durationMs: number): Promise<LatencyResult>;
  throughput(concurrency: number, durationMs: number): Promise<ThroughputResult>;
  pid: number;
  /** The calling agent's process, when it is not the bench itself (c). */
  consumerPid?: number;
  /** (c): connections the consumer agent has opened so far. */
  connections?(): ConnectionCounts;
  /** Every process of the system (settled before each slice). */
  pids: number[];
  /** What each of `pids` is, for the CPU split. */
  pidNames?: string[];
  stop(): Promise<void>;
}

/** Load generated in this process, calling `call`. */
function localLoad(call: CallFn): Pick<System, 'latency' | 'throughput'> {
  return {
    latency: (rate, durationMs) => measureLatency(call, rate, durationMs),
    throughput: (concurrency, durationMs) => measureThroughput(call, concurrency, durationMs),
  };
}

async function rawSystem(): Promise<System> {
  const child = await startChild(join(here, 'raw-echo-server.js'), {});
  const caller = rawToolCaller(child.port, 'echo');
  return {
    key: 'a',
    name: '(a) raw node:http JSON-RPC',
    ...localLoad(caller.call),
    pid: child.process.pid!,
    pids: [child.process.pid!],
    stop: async () => {
      caller.close();
      await stopChild(child);
    },
  };
}

/** (a) over mTLS: the same raw server and client with the strict certificates, Node's TLS and nothing else. */
async function rawTlsSystem(): Promise<System> {
  const trust = await strictTrust();
  const server = trust.files(BENCH_PROVIDER);
  const child = await startChild(join(here, 'raw-echo-server.js'), {
    TLS_CERT: server.cert,
    TLS_KEY: server.key,
    TLS_CA: server.ca,
  });
  const client = trust.files(BENCH_CONSUMER);
  const caller = rawToolCaller(child.port, 'echo', {
    secureContext: createSecureContext({
      cert: readFileSync(client.cert),
      key: readFileSync(client.key),
      ca: readFileSync(client.ca),
    }),
  });
  return {
    key: 'as',
    name: '(a) raw node:https JSON-RPC, mTLS',
    ...localLoad(caller.call),
    pid: child.process.pid!,
    pids: [child.process.pid!],
    stop: async () => {
      caller.close();
      await stopChild(child);
      trust.remove();
    },
  };
}

async function sdkSystem(): Promise<System> {
  const child = await startChild(join(here, 'sdk-echo-server.js'), {});
  const caller = rawToolCaller(child.port, 'echo');
  return {
    key: 'b',
    name: '(b) MCP SDK stateless server',
    ...localLoad(caller.call),
    pid: child.process.pid!,
    pids: [child.process.pid!],
    stop: async () => {
      caller.close();
      await stopChild(child);
    },
  };
}

/** BENCH_SYSTEMS's name of a (c) system: plain `c`, strict `cs`, traced `ct`, contract `cv`, baselines `cb`/`csb`. */
function runtimeKey(
  trust: BenchTrust,
  otlpUrl: string | undefined,
  baselineDist: string | undefined,
  contract: boolean,
): string {
  if (contract) return 'cv';
  if (baselineDist !== undefined) return trust.mode === 'strict' ? 'csb' : 'cb';
  if (otlpUrl !== undefined) return 'ct';
  return trust.mode === 'strict' ? 'cs' : 'c';
}

function systemName(key: string, trust: BenchTrust, baselineDist: string | undefined): string {
  const hop = '(c) mesh runtime consumer -> provider';
  switch (key) {
    case 'cv':
      return `${hop}, results checked against a contract`;
    case 'cb':
    case 'csb':
      return `${hop}${trust.mode === 'strict' ? ', strict mTLS' : ''}, baseline build (${baselineDist})`;
    case 'ct':
      return `${hop}, spans exported`;
    case 'cs':
      return `${hop}, strict mTLS`;
    default:
      return hop;
  }
}

/**
 * System (c) with the given trust: registry, echo provider and consumer agent, each a process of its own. With
 * `otlpUrl`, the consumer and the provider export their spans there (system ct).
 */
async function runtimeSystem(
  trust: BenchTrust,
  otlpUrl?: string,
  baselineDist?: string,
  contract = false,
): Promise<System> {
  const dist = baselineDist ?? join(here, '..');
  const key = runtimeKey(trust, otlpUrl, baselineDist, contract);
  const otel: Record<string, string> = otlpUrl === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl };
  const require = createRequire(import.meta.url);
  const registryMain = join(dirname(require.resolve('@mesh/registry')), 'main.js');
  const registryPort = await freePort();
  const registryUrl = `${trust.scheme}://127.0.0.1:${registryPort}`;
  const registry = await startChild(
    registryMain,
    {
      ...trust.envFor('registry'),
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(registryPort),
      MCP_MESH_LOG_LEVEL: 'warn',
    },
    () => `${registryUrl}/health`,
    trust.probeTls,
  );
  const providerPort = await freePort();
  const provider = await startChild(
    join(dist, 'fixtures', 'echo-provider.js'),
    {
      ...trust.envFor(BENCH_PROVIDER),
      ...otel,
      FIXTURE_NAME: BENCH_PROVIDER,
      MCP_MESH_REGISTRY_URL: registryUrl,
      MCP_MESH_HTTP_PORT: String(providerPort),
      MCP_MESH_AGENT_ID: `bench-provider-${trust.mode}${otlpUrl === undefined ? '' : '-traced'}${baselineDist === undefined ? '' : '-baseline'}${contract ? '-contract' : ''}`,
      MCP_MESH_LOG_LEVEL: 'warn',
    },
    () => `${trust.scheme}://127.0.0.1:${providerPort}/ready`,
    trust.probeTls,
    profileArgs(`${key}-provider`),
  );
  const consumer = await ConsumerProcess.start(
    registryUrl,
    { ...trust.envFor(BENCH_CONSUMER), ...otel, ...(contract ? { BENCH_CONTRACT: '1' } : {}) },
    join(dist, 'bench', 'consumer-agent.js'),
    profileArgs(`${key}-consumer`),
  );
  return {
    key,
    name: systemName(key, trust, baselineDist),
    latency: (rate, durationMs) => consumer.latency(rate, durationMs),
    throughput: (concurrency, durationMs) => consumer.throughput(concurrency, durationMs),
    pid: provider.process.pid!,
    consumerPid: consumer.pid,
    connections: () => consumer.connections,
    pids: [provider.process.pid!, registry.process.pid!, consumer.pid],
    pidNames: ['provider', 'registry', 'consumer'],
    stop: async () => {
      await consumer.stop();
      await stopChild(provider);
      await stopChild(registry);
      trust.remove();
    },
  };
}

/**
 * Measures the systems in interleaved one-second slices (a, b, c, a, b, c…) rather than one after the other,
 * so a noisy neighbour on a shared machine weighs on all three alike.
 */
async function measureAll(systems: System[]): Promise<SystemResult[]> {
  const rounds = Math.max(1, Math.round(DURATION_MS / 1000));
  const pids = systems.flatMap((system) => system.pids);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = systems.map((system) => rssMb(system.pid));
  const consumerRss = (system: System): number =>
    system.consumerPid === undefined ? Number.NaN : rssMb(system.consumerPid);
  const consumerIdle = systems.map(consumerRss);
  for (const system of systems) await system.throughput(CONCURRENCY, 1000); // warm-up
  const connectionsAfterWarmUp = systems.map((system) => system.connections?.());
  const latencies = systems.map(() => ({ values: [] as number[], errors: 0, calls: 0 }));
  const throughput = systems.map((system) => ({
    calls: 0,
    seconds: 0,
    errors: 0,
    ticks: 0,
    ticksByPid: system.pids.map(() => 0),
  }));
  const loaded = systems.map((system) => rssMb(system.pid));
  const consumerLoaded = systems.map(consumerRss);
  for (let round = 0; round < rounds; round += 1) {
    // Rotate the order each round so no system always runs right after another one's load.
    const order = systems.map((_, index) => (index + round) % systems.length);
    for (const index of order) {
      const system = systems[index]!;
      await settleProcesses(pids);
      const slice = await system.latency(RATE, 1000);
      latencies[index]!.values.push(...slice.latencies);
      latencies[index]!.errors += slice.errors;
      latencies[index]!.calls += slice.calls;
    }
    for (const index of order) {
      const system = systems[index]!;
      await settleProcesses(pids);
      const sampler = setInterval(() => {
        loaded[index] = Math.max(loaded[index]!, rssMb(system.pid));
        consumerLoaded[index] = Math.max(consumerLoaded[index]!, consumerRss(system));
      }, 100);
      const before = system.pids.map((pid) => cpuTicks(pid));
      const ticksBefore = before.reduce((sum, ticks) => sum + ticks, 0);
      const slice = await system.throughput(CONCURRENCY, 1000);
      const after = system.pids.map((pid) => cpuTicks(pid));
      throughput[index]!.ticks += after.reduce((sum, ticks) => sum + ticks, 0) - ticksBefore;
      after.forEach((ticks, at) => (throughput[index]!.ticksByPid[at]! += ticks - before[at]!));
      clearInterval(sampler);
      throughput[index]!.calls += slice.calls;
      throughput[index]!.seconds += slice.seconds;
      throughput[index]!.errors += slice.errors;
    }
  }
  return systems.map((system, index) => {
    const values = latencies[index]!.values.sort((a, b) => a - b);
    const result: SystemResult = {
      key: system.key,
      name: system.name,
      latency: {
        ratePerSec: RATE,
        calls: latencies[index]!.calls,
        errors: latencies[index]!.errors,
        p50Ms: percentile(values, 50),
        p99Ms: percentile(values, 99),
        latencies: values,
      },
      throughput: {
        concurrency: CONCURRENCY,
        callsPerSec: throughput[index]!.calls / throughput[index]!.seconds,
        calls: throughput[index]!.calls,
        seconds: throughput[index]!.seconds,
        errors: throughput[index]!.errors,
      },
      idleRssMb: idle[index]!,
      loadedRssMb: loaded[index]!,
      cpuUsPerCall: (throughput[index]!.ticks * CPU_TICK_US) / Math.max(1, throughput[index]!.calls),
      cpuUsPerCallByProcess: throughput[index]!.ticksByPid.map(
        (ticks) => (ticks * CPU_TICK_US) / Math.max(1, throughput[index]!.calls),
      ),
    };
    if (system.consumerPid !== undefined) {
      result.consumerIdleRssMb = consumerIdle[index]!;
      result.consumerLoadedRssMb = consumerLoaded[index]!;
    }
    const warm = connectionsAfterWarmUp[index];
    const now = system.connections?.();
    if (warm && now)
      result.connections = {
        opened: now.opened - warm.opened,
        tlsFull: now.tlsFull - warm.tlsFull,
        tlsResumed: now.tlsResumed - warm.tlsResumed,
      };
    const consumer =
      result.consumerIdleRssMb === undefined
        ? ''
        : `; consumer agent RSS idle ${result.consumerIdleRssMb.toFixed(1)} MB, loaded ${(result.consumerLoadedRssMb ?? Number.NaN).toFixed(1)} MB`;
    const opened = result.connections
      ? `; ${connectionsText(result.connections, latencies[index]!.calls + throughput[index]!.calls)}`
      : '';
    const errors = result.latency.errors + result.throughput.errors;
    process.stdout.write(
      `${result.name}: p50 ${result.latency.p50Ms.toFixed(3)} ms, p99 ${result.latency.p99Ms.toFixed(3)} ms at ${RATE}/s; ` +
        `${result.throughput.callsPerSec.toFixed(0)} calls/s at concurrency ${CONCURRENCY} (${result.cpuUsPerCall.toFixed(0)} µs CPU per call${result.cpuUsPerCallByProcess.length > 1 ? `: ${result.cpuUsPerCallByProcess.map((us) => us.toFixed(0)).join(' + ')} by ${system.pidNames?.join(', ') ?? 'process'}` : ''}); ` +
        `RSS idle ${result.idleRssMb.toFixed(1)} MB, loaded ${result.loadedRssMb.toFixed(1)} MB${consumer}${opened}${errors > 0 ? `; ERRORS ${errors}` : ''}\n`,
    );
    return result;
  });
}

const loadAtStart = os.loadavg()[0]!;
// BENCH_SYSTEMS=a,c measures a subset (e.g. to study one system's tail); the summary needs a, b and c, the
// strict comparison c and cs (and as beside a, for what Node's TLS alone costs).
const wanted = new Set(
  (process.env['BENCH_SYSTEMS'] ?? 'a,as,b,c,cs,ct').split(',').map((name) => name.trim()),
);
let sink: OtlpSink | undefined;
const starters: (readonly [string, () => Promise<System>])[] = [
  ['a', rawSystem],
  ['as', rawTlsSystem],
  ['b', sdkSystem],
  ['c', () => runtimeSystem(plainTrust())],
  ['cs', async () => runtimeSystem(await strictTrust())],
  // (c) with the dependency declared with a contract: what checking each result costs.
  ['cv', () => runtimeSystem(plainTrust(), undefined, undefined, true)],
  // BENCH_BASELINE_DIST=<another checkout>/packages/runtime/dist measures its (c) beside this one's (key cb),
  // and its (c) strict beside cs (key csb).
  ...(process.env['BENCH_BASELINE_DIST']
    ? [
        ['cb', () => runtimeSystem(plainTrust(), undefined, process.env['BENCH_BASELINE_DIST'])] as const,
        [
          'csb',
          async () => runtimeSystem(await strictTrust(), undefined, process.env['BENCH_BASELINE_DIST']),
        ] as const,
      ]
    : []),
  [
    'ct',
    async () => {
      sink = await startOtlpSink();
      return runtimeSystem(plainTrust(), sink.url);
    },
  ],
];
const systems: System[] = [];
try {
  for (const [name, start] of starters) if (wanted.has(name)) systems.push(await start());
  const results = await measureAll(systems);
  const context = {
    command: command(),
    rate: RATE,
    durationMs: DURATION_MS,
    concurrency: CONCURRENCY,
    loadAtStart,
  };
  const summary = runtimeSummary(results, context);
  if (summary) process.stdout.write(`\n${summary}\n`);
  const strict = strictSummary(results, context);
  if (strict) process.stdout.write(`\n${strict}\n`);
  const baseline = baselineSummary(results, context);
  if (baseline) process.stdout.write(`\n${baseline}\n`);
  const contract = contractSummary(results, context);
  if (contract) process.stdout.write(`\n${contract}\n`);
  const traced = tracingSummary(results, context, sink?.received);
  if (traced) process.stdout.write(`\n${traced}\n`);
} finally {
  for (const system of systems) await system.stop();
  await sink?.close();
}
