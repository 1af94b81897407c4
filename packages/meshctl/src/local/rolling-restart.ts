import { freePort } from '@mesh/common';
import { spawnDetached, stopProcesses } from './processes.js';
import { awaitReady, httpReady } from './readiness.js';
import { readState, writeState, type ProcessRecord } from './state.js';
import type { ConnectionOptions } from 'node:tls';

export interface RollingRestartOptions {
  home: string;
  root: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  log: (line: string) => void;
  /** TLS options for the readiness probes (strict mode: the operator certificate). */
  probeTls?: ConnectionOptions | undefined;
  /** How long an old replica may take to deregister and drain before it is killed. */
  graceMs?: number;
  /** The agent has a fixed port in architecture.yml (the edge's public one): replace each replica in place. */
  inPlace?: boolean;
  /**
   * Start every successor at once, then stop the old replicas (the dev loop: one start time instead of one per
   * replica, still without a gap). Default: one replica after the other.
   */
  parallel?: boolean;
}

/**
 * Replaces running replicas one at a time without a gap: each gets a successor on a new port (the same
 * arguments, environment and log), which must answer /ready (registered, dependencies resolved) before the old
 * one is stopped gracefully. The old one deregisters first, so callers move to the successor through the
 * registry's change feed, and anything sent to it while draining is refused as not processed, which the runtime
 * fails over at once. A replica on a fixed port (the gateway's public one) is stopped first and started again
 * on that port: the one restart with a short gap. The state file is updated after each replica.
 */
export async function rollingRestart(
  replicas: readonly ProcessRecord[],
  options: RollingRestartOptions,
): Promise<ProcessRecord[]> {
  if (options.parallel === true && options.inPlace !== true) {
    return Promise.all(replicas.map((old) => replaceOne(old, options)));
  }
  const replaced: ProcessRecord[] = [];
  for (const old of replicas) replaced.push(await replaceOne(old, options));
  return replaced;
}

/** Starts a successor of `old`, waits until it is ready, stops `old` and records the successor. */
async function replaceOne(old: ProcessRecord, options: RollingRestartOptions): Promise<ProcessRecord> {
  const started = Date.now();
  const inPlace = old.port === undefined || options.inPlace === true;
  if (inPlace) await stopProcesses([old], options.graceMs ?? 15_000);
  const port = inPlace ? old.port : await freePort();
  const env = { ...old.env, ...(port === undefined ? {} : { MCP_MESH_HTTP_PORT: String(port) }) };
  const url = old.url === undefined || port === undefined ? old.url : withPort(old.url, port);
  const child = spawnDetached(old.args, {
    env: { ...options.env, ...env },
    logFile: old.log,
    cwd: options.root,
  });
  const successor: ProcessRecord = {
    ...old,
    pid: child.pid,
    env,
    startedAt: new Date().toISOString(),
    ...(port === undefined ? {} : { port }),
    ...(url === undefined ? {} : { url }),
  };
  if (url !== undefined) {
    const path = old.kind === 'agent' ? '/ready' : '/health';
    await awaitReady(
      `${old.name} #${old.replica}`,
      async () => ((await httpReady(`${url}${path}`, options.probeTls)) ? true : undefined),
      { timeoutMs: options.timeoutMs, exited: child.exited, logFile: old.log },
    );
  }
  if (!inPlace) await stopProcesses([old], options.graceMs ?? 15_000);
  // Read and written per replica (the state file is shared with other meshctl commands).
  const state = readState(options.home);
  if (state) {
    state.processes = state.processes.map((p) => (p.pid === old.pid ? successor : p));
    writeState(options.home, state);
  }
  options.log(
    `${old.name} #${old.replica} replaced: pid ${old.pid} -> ${successor.pid} at ${url ?? '-'} ` +
      `(${Date.now() - started} ms${inPlace ? ', in place on its fixed port' : ''})`,
  );
  return successor;
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString().replace(/\/$/, '');
}
