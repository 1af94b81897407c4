// `pnpm --filter @mesh/runtime bench`: per-hop latency at a fixed rate and max calls/s for (a) a raw node:http
// JSON-RPC echo, (b) the official MCP SDK's stateless server, (c) our runtime consumer -> provider; plus the
// provider agent's idle and loaded RSS. Everything runs on loopback on this machine, one system at a time.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@mesh/common';
import { freePort, waitForHttp } from '@mesh/testkit';
import { defineAgent } from '../index.js';
import { measureLatency, measureThroughput, rawToolCaller } from './load.js';
import type { CallFn, LatencyResult, ThroughputResult } from './load.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 5000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 32);
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
}

async function measure(name: string, call: CallFn, pid: number): Promise<SystemResult> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRssMb = rssMb(pid);
  await measureThroughput(call, CONCURRENCY, 1000); // warm-up: JIT, pools, sockets
  const latency = await measureLatency(call, RATE, DURATION_MS);
  let loadedRssMb = rssMb(pid);
  const sampler = setInterval(() => (loadedRssMb = Math.max(loadedRssMb, rssMb(pid))), 100);
  const throughput = await measureThroughput(call, CONCURRENCY, DURATION_MS);
  clearInterval(sampler);
  process.stdout.write(
    `${name}: p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms at ${RATE}/s; ` +
      `${throughput.callsPerSec.toFixed(0)} calls/s at concurrency ${CONCURRENCY}; RSS idle ${idleRssMb.toFixed(1)} MB, loaded ${loadedRssMb.toFixed(1)} MB` +
      `${latency.errors + throughput.errors > 0 ? `; ERRORS ${latency.errors + throughput.errors}` : ''}\n`,
  );
  return { name, latency, throughput, idleRssMb, loadedRssMb };
}

async function benchRaw(): Promise<SystemResult> {
  const child = await startChild(join(here, 'raw-echo-server.js'), {});
  const caller = rawToolCaller(child.port, 'echo');
  try {
    return await measure('(a) raw node:http JSON-RPC', caller.call, child.process.pid!);
  } finally {
    caller.close();
    await stopChild(child);
  }
}

async function benchSdk(): Promise<SystemResult> {
  const child = await startChild(join(here, 'sdk-echo-server.js'), {});
  const caller = rawToolCaller(child.port, 'echo');
  try {
    return await measure('(b) MCP SDK stateless server', caller.call, child.process.pid!);
  } finally {
    caller.close();
    await stopChild(child);
  }
}

async function benchRuntime(): Promise<SystemResult> {
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
  const consumer = defineAgent({ name: 'bench-consumer' });
  const deps = consumer.consumer({ echo: 'echo' });
  const running = await consumer.start({ app: undefined, mesh: { registryUrl }, logger: silentLogger() });
  try {
    if (!deps.echo.available) throw new Error('the consumer did not resolve the provider');
    return await measure(
      '(c) mesh runtime consumer -> provider',
      (n) => deps.echo.call({ n }),
      provider.process.pid!,
    );
  } finally {
    await running.stop();
    await stopChild(provider);
    await stopChild(registry);
  }
}

function markdown(results: SystemResult[]): string {
  const [raw, sdk, ours] = results as [SystemResult, SystemResult, SystemResult];
  const row = (result: SystemResult): string =>
    `| ${result.name} | ${result.latency.p50Ms.toFixed(3)} | ${result.latency.p99Ms.toFixed(3)} | ${result.throughput.callsPerSec.toFixed(0)} | ${result.idleRssMb.toFixed(0)} | ${result.loadedRssMb.toFixed(0)} |`;
  const addedP50 = ours.latency.p50Ms - raw.latency.p50Ms;
  const addedP99 = ours.latency.p99Ms - raw.latency.p99Ms;
  const ratio = ours.throughput.callsPerSec / sdk.throughput.callsPerSec;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  return [
    '## Runtime: per-hop latency and throughput',
    '',
    `Command: \`pnpm bench:runtime\` (= \`pnpm --filter @mesh/runtime bench\` after a build). One run, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, loopback; load average at start ${os.loadavg()[0]!.toFixed(1)}.`,
    `Latency: open loop at ${RATE} calls/s for ${DURATION_MS / 1000} s (p50/p99 of one hop, client to server and back). Throughput: ${CONCURRENCY} concurrent callers for ${DURATION_MS / 1000} s. RSS of the server process (for (c): the provider agent).`,
    '',
    '| System | p50 ms | p99 ms | calls/s | idle RSS MB | loaded RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(raw),
    row(sdk),
    row(ours),
    '',
    `- Added latency over (a): p50 ${addedP50.toFixed(3)} ms (goal <= 0.5: ${verdict(addedP50 <= 0.5)}), p99 ${addedP99.toFixed(3)} ms (goal <= 2: ${verdict(addedP99 <= 2)}).`,
    `- Throughput vs (b): ${ratio.toFixed(1)}x (goal >= 3x: ${verdict(ratio >= 3)}).`,
    `- Idle RSS of an agent: ${ours.idleRssMb.toFixed(0)} MB (goal < 80: ${verdict(ours.idleRssMb < 80)}).`,
    '',
    '(a) answers tools/call with no validation; (b) is the SDK set up as documented for stateless servers (a new',
    'McpServer and transport per request, JSON responses); (c) includes everything the runtime does on a call:',
    'balancing, circuit breaker, deadline and traceparent headers, zod validation, metrics.',
  ].join('\n');
}

const results = [await benchRaw(), await benchSdk(), await benchRuntime()];
process.stdout.write(`\n${markdown(results)}\n`);
