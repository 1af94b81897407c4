// `pnpm --filter @mesh/runtime bench`: per-hop latency at a fixed rate and max calls/s for (a) a raw node:http
// JSON-RPC echo, (b) the official MCP SDK's stateless server, (c) our runtime consumer -> provider; plus the
// servers' idle and loaded RSS, and for (c) the consumer agent's too (it runs, and makes its calls, in a
// process of its own). Everything runs on loopback on this machine, one system at a time.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, settleProcesses, waitForHttp } from '@mesh/testkit';
import { ConsumerProcess } from './consumer-process.js';
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
): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (readyUrl) {
    child.stdout?.resume();
    await waitForHttp(readyUrl(port), { status: 200, timeoutMs: 20_000 });
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

interface SystemResult {
  name: string;
  latency: LatencyResult;
  throughput: ThroughputResult;
  idleRssMb: number;
  loadedRssMb: number;
  /** (c) only: the consumer agent process. */
  consumerIdleRssMb?: number;
  consumerLoadedRssMb?: number;
}

/** A started system under test: how to load it, the server pid to watch, how to stop it. */
interface System {
  name: string;
  latency(rate: number, durationMs: number): Promise<LatencyResult>;
  throughput(concurrency: number, durationMs: number): Promise<ThroughputResult>;
  pid: number;
  /** The calling agent's process, when it is not the bench itself (c). */
  consumerPid?: number;
  /** Every process of the system (settled before each slice). */
  pids: number[];
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

async function sdkSystem(): Promise<System> {
  const child = await startChild(join(here, 'sdk-echo-server.js'), {});
  const caller = rawToolCaller(child.port, 'echo');
  return {
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

async function runtimeSystem(): Promise<System> {
  const require = createRequire(import.meta.url);
  const registryMain = join(dirname(require.resolve('@mesh/registry')), 'main.js');
  const registryPort = await freePort();
  const registry = await startChild(
    registryMain,
    {
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(registryPort),
      MCP_MESH_LOG_LEVEL: 'warn',
    },
    () => `http://127.0.0.1:${registryPort}/health`,
  );
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const providerPort = await freePort();
  const provider = await startChild(
    join(here, '..', 'fixtures', 'echo-provider.js'),
    {
      MCP_MESH_REGISTRY_URL: registryUrl,
      MCP_MESH_HTTP_PORT: String(providerPort),
      MCP_MESH_AGENT_ID: 'bench-provider',
      MCP_MESH_LOG_LEVEL: 'warn',
    },
    () => `http://127.0.0.1:${providerPort}/ready`,
  );
  const consumer = await ConsumerProcess.start(registryUrl);
  return {
    name: '(c) mesh runtime consumer -> provider',
    latency: (rate, durationMs) => consumer.latency(rate, durationMs),
    throughput: (concurrency, durationMs) => consumer.throughput(concurrency, durationMs),
    pid: provider.process.pid!,
    consumerPid: consumer.pid,
    pids: [provider.process.pid!, registry.process.pid!, consumer.pid],
    stop: async () => {
      await consumer.stop();
      await stopChild(provider);
      await stopChild(registry);
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
  const latencies = systems.map(() => ({ values: [] as number[], errors: 0, calls: 0 }));
  const throughput = systems.map(() => ({ calls: 0, seconds: 0, errors: 0 }));
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
      const slice = await system.throughput(CONCURRENCY, 1000);
      clearInterval(sampler);
      throughput[index]!.calls += slice.calls;
      throughput[index]!.seconds += slice.seconds;
      throughput[index]!.errors += slice.errors;
    }
  }
  return systems.map((system, index) => {
    const values = latencies[index]!.values.sort((a, b) => a - b);
    const result: SystemResult = {
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
    };
    if (system.consumerPid !== undefined) {
      result.consumerIdleRssMb = consumerIdle[index]!;
      result.consumerLoadedRssMb = consumerLoaded[index]!;
    }
    const consumer =
      result.consumerIdleRssMb === undefined
        ? ''
        : `; consumer agent RSS idle ${result.consumerIdleRssMb.toFixed(1)} MB, loaded ${(result.consumerLoadedRssMb ?? Number.NaN).toFixed(1)} MB`;
    const errors = result.latency.errors + result.throughput.errors;
    process.stdout.write(
      `${result.name}: p50 ${result.latency.p50Ms.toFixed(3)} ms, p99 ${result.latency.p99Ms.toFixed(3)} ms at ${RATE}/s; ` +
        `${result.throughput.callsPerSec.toFixed(0)} calls/s at concurrency ${CONCURRENCY}; ` +
        `RSS idle ${result.idleRssMb.toFixed(1)} MB, loaded ${result.loadedRssMb.toFixed(1)} MB${consumer}${errors > 0 ? `; ERRORS ${errors}` : ''}\n`,
    );
    return result;
  });
}

function markdown(results: SystemResult[], loadAtStart: number): string {
  const [raw, sdk, ours] = results as [SystemResult, SystemResult, SystemResult];
  const row = (result: SystemResult): string =>
    `| ${result.name} | ${result.latency.p50Ms.toFixed(3)} | ${result.latency.p99Ms.toFixed(3)} | ${result.throughput.callsPerSec.toFixed(0)} | ${result.idleRssMb.toFixed(0)} | ${result.loadedRssMb.toFixed(0)} |`;
  const addedP50 = ours.latency.p50Ms - raw.latency.p50Ms;
  const addedP99 = ours.latency.p99Ms - raw.latency.p99Ms;
  const ratio = ours.throughput.callsPerSec / sdk.throughput.callsPerSec;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const consumerIdle = ours.consumerIdleRssMb ?? Number.NaN;
  const consumerLoaded = ours.consumerLoadedRssMb ?? Number.NaN;
  return [
    '## Runtime: per-hop latency and throughput',
    '',
    `Command: \`${command()}\` (\`pnpm bench:runtime\` = \`pnpm --filter @mesh/runtime bench\` after a build). One run, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, loopback; load average at start ${loadAtStart.toFixed(1)}.`,
    `Latency: open loop at ${RATE} calls/s, ${DURATION_MS / 1000} s per system (p50/p99 of one hop, client to server and back). Throughput: ${CONCURRENCY} concurrent callers, ${DURATION_MS / 1000} s per system. Systems measured in interleaved 1 s slices, order rotated each round; before each slice the servers are left to go idle and the load generator's heap is collected. RSS of the server process (for (c): the provider agent). The consumer agent of (c) runs in a process of its own and makes, and times, its calls there (the bench only tells it over IPC which slice to run), so its RSS is measured apart; it includes that small load loop.`,
    '',
    '| System | p50 ms | p99 ms | calls/s | idle RSS MB | loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(raw),
    row(sdk),
    row(ours),
    '',
    `- Added latency over (a): p50 ${addedP50.toFixed(3)} ms (goal <= 0.5: ${verdict(addedP50 <= 0.5)}), p99 ${addedP99.toFixed(3)} ms (goal <= 2: ${verdict(addedP99 <= 2)}).`,
    `- Throughput vs (b): ${ratio.toFixed(1)}x (goal >= 3x: ${verdict(ratio >= 3)}).`,
    `- Consumer agent of (c): idle RSS ${consumerIdle.toFixed(0)} MB, loaded ${consumerLoaded.toFixed(0)} MB.`,
    `- Idle RSS of an agent: provider ${ours.idleRssMb.toFixed(0)} MB, consumer ${consumerIdle.toFixed(0)} MB (goal < 80: ${verdict(Math.max(ours.idleRssMb, consumerIdle) < 80)}).`,
    '',
    '(a) answers tools/call with no validation; (b) is the SDK set up as documented for stateless servers (a new',
    'McpServer and transport per request, JSON responses); (c) includes everything the runtime does on a call:',
    'balancing, circuit breaker, deadline and traceparent headers, zod validation, metrics.',
  ].join('\n');
}

const loadAtStart = os.loadavg()[0]!;
// BENCH_SYSTEMS=a,c measures a subset (e.g. to study one system's tail); the summary needs all three.
const wanted = new Set((process.env['BENCH_SYSTEMS'] ?? 'a,b,c').split(',').map((name) => name.trim()));
const starters: [string, () => Promise<System>][] = [
  ['a', rawSystem],
  ['b', sdkSystem],
  ['c', runtimeSystem],
];
const systems: System[] = [];
for (const [name, start] of starters) if (wanted.has(name)) systems.push(await start());
try {
  const results = await measureAll(systems);
  if (results.length === 3) process.stdout.write(`\n${markdown(results, loadAtStart)}\n`);
} finally {
  for (const system of systems) await system.stop();
}
