// `node dist/bench/hop-cpu.js [<other build's runtime dist> …]`: CPU per mesh call of one hop, consumer and
// provider agents in this one process (plain HTTP on loopback, a fake registry), for this build and for each
// build given, in alternating trials so a busy neighbour weighs on all alike. It measures what our code and
// Node's HTTP cost per call with nothing else around: the runtime bench's (c), without the process split.
// HOP_CALLS (default 20000) calls per trial, HOP_TRIALS (default 6) trials per build, HOP_CONCURRENCY (16).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { silentLogger } from '@mesh/common';
import { freePort, median, waitForHttp } from '@mesh/testkit';
import type { z } from 'zod';

const CALLS = Number(process.env['HOP_CALLS'] ?? 20_000);
const TRIALS = Number(process.env['HOP_TRIALS'] ?? 6);
const CONCURRENCY = Number(process.env['HOP_CONCURRENCY'] ?? 16);

interface Build {
  label: string;
  call(n: number): Promise<unknown>;
  stop(): Promise<void>;
  cpuUs: number[];
}

interface RuntimeModule {
  defineAgent(options: { name: string }): {
    tool(definition: unknown): unknown;
    consumer(deps: Record<string, string>): Record<string, { call(args: unknown): Promise<unknown> }>;
    start(options: unknown): Promise<{ url: string; stop(): Promise<void> }>;
  };
  z: typeof z;
}

/** A provider agent with `echo`, and a consumer agent calling it, both started from the runtime in `dist`. */
async function startBuild(dist: string, label: string, registryUrl: string): Promise<Build> {
  const runtime = (await import(pathToFileURL(join(dist, 'index.js')).href)) as RuntimeModule;
  const mesh = { registryUrl };
  // A capability per build, so each consumer calls its own build's provider only.
  const capability = `echo-${label}`;
  const provider = runtime.defineAgent({ name: `hop-provider-${label}` });
  provider.tool({
    name: 'echo',
    capability,
    idempotent: true,
    input: runtime.z.object({ n: runtime.z.number().int() }),
    handler: ({ n }: { n: number }) => ({ n, agent: 'hop-provider' }),
  });
  const consumer = runtime.defineAgent({ name: `hop-consumer-${label}` });
  const deps = consumer.consumer({ echo: capability });
  const runningProvider = await provider.start({ app: undefined, mesh, logger: silentLogger() });
  const runningConsumer = await consumer.start({ app: undefined, mesh, logger: silentLogger() });
  const echo = deps['echo']!;
  const started = Date.now();
  for (;;) {
    try {
      await echo.call({ n: 0 });
      break;
    } catch (error: unknown) {
      if (Date.now() - started > 15_000) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return {
    label,
    call: (n) => echo.call({ n }),
    cpuUs: [],
    stop: async () => {
      await runningConsumer.stop();
      await runningProvider.stop();
    },
  };
}

/** CALLS calls, CONCURRENCY at a time; returns CPU µs per call (user + system, this process). */
async function trial(build: Build): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CALLS) await build.call(next++);
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const others = process.argv.slice(2).map((dist) => resolve(dist));
const builds: Build[] = [];
// The registry runs in a process of its own, so its CPU is not counted.
const registryPort = await freePort();
const registryUrl = `http://127.0.0.1:${registryPort}`;
const registry = spawn(
  process.execPath,
  [join(dirname(createRequire(import.meta.url).resolve('@mesh/registry')), 'main.js')],
  {
    env: {
      ...process.env,
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(registryPort),
      MCP_MESH_LOG_LEVEL: 'warn',
      MCP_MESH_TLS_MODE: 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  await waitForHttp(`${registryUrl}/health`, { status: 200, timeoutMs: 20_000 });
  builds.push(await startBuild(here, 'this', registryUrl));
  for (const [index, dist] of others.entries())
    builds.push(await startBuild(dist, `other${index + 1}`, registryUrl));
  for (const build of builds) await trial(build); // warm-up
  for (let round = 0; round < TRIALS; round += 1) {
    for (let at = 0; at < builds.length; at += 1) {
      const build = builds[(at + round) % builds.length]!;
      build.cpuUs.push(await trial(build));
    }
  }
  process.stdout.write(
    `CPU µs per call, consumer + provider in one process, ${CALLS} calls x ${TRIALS} trials, concurrency ${CONCURRENCY}:\n`,
  );
  for (const [index, build] of builds.entries()) {
    const source = index === 0 ? here : others[index - 1]!;
    process.stdout.write(
      `  ${build.label.padEnd(7)} median ${median(build.cpuUs).toFixed(1)}, min ${Math.min(...build.cpuUs).toFixed(1)} ` +
        `(trials ${build.cpuUs.map((us) => us.toFixed(1)).join(' ')})  ${source}\n`,
    );
  }
} finally {
  for (const build of builds) await build.stop();
  registry.kill('SIGTERM');
}
