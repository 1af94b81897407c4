import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@mesh/common';
import { startProcess } from './child-process.js';
import { waitFor } from './wait-for.js';

/** A Prometheus server of the test's own on loopback. */
export interface TestPrometheus {
  readonly url: string;
  readonly pid: number;
  /** Everything it logged, for failure messages. */
  output(): string;
  /** SIGTERM by pid (SIGKILL after 10 s); resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `prometheus` with `config` (YAML text) written into `dir`, its storage under `dir` too, on a free
 * loopback port, and waits (at most 30 s) until it answers `/-/ready`.
 */
export async function startTestPrometheus(config: string, dir: string): Promise<TestPrometheus> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  return startPrometheusWith(configFile, dir);
}

/**
 * Starts `prometheus` with the config file `configFile`, its storage under `dataDir`, on a free loopback port,
 * with `extraArgs` (feature flags), and waits (at most 30 s) until it answers `/-/ready`.
 */
export async function startPrometheusWith(
  configFile: string,
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<TestPrometheus> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startProcess('prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...extraArgs,
  ]);
  const running: TestPrometheus = {
    url,
    pid: server.pid,
    output: () => server.output(),
    stop: async () => {
      await server.stop(10_000);
    },
  };
  try {
    await waitFor(
      async () =>
        (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 200, description: `prometheus ready at ${url}` },
    );
  } catch (error: unknown) {
    await running.stop();
    throw new Error(`${String(error)}\n${server.output()}`);
  }
  return running;
}
