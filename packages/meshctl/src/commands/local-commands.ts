import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Architecture } from '../architecture/load.js';
import { stopMesh } from '../local/down.js';
import { Launcher } from '../local/launcher.js';
import { spawnDetached, stopProcesses, tailFile } from '../local/processes.js';
import { awaitReady, httpReady } from '../local/readiness.js';
import { isAlive, readState, writeState, type ProcessRecord } from '../local/state.js';
import { rollingRestart } from '../local/rolling-restart.js';
import { up, type UpOptions } from '../local/up.js';
import { operatorTls } from '../tls/local-tls.js';
import { formatLogLine } from './log-format.js';
import { matchName } from './name-match.js';

/**
 * `meshctl start <agent…>`: starts the named agents (and a registry when none answers). With --detach it
 * returns once they are ready; otherwise it follows their logs until Ctrl-C, then stops them.
 */
export async function startAgentsCommand(
  arch: Architecture,
  options: Omit<UpOptions, 'agents'> & { agents: readonly string[]; detach: boolean },
): Promise<number> {
  const before = new Set((readState(options.home)?.processes ?? []).map((p) => p.pid));
  const result = await up(arch, options);
  if (result.status !== 'started' || !result.state) return 1;
  if (options.detach) return 0;
  const mine = result.state.processes.filter((p) => !before.has(p.pid));
  options.log('Following logs; Ctrl-C stops these agents.');
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await follow(
    mine.map((p) => ({ label: `${p.name}#${p.replica}`, file: p.log })),
    options.log,
    stop.signal,
    () => mine.every((p) => !isAlive(p.pid)),
  );
  await stopMesh(options.home, { graceMs: 10_000, pids: mine.map((p) => p.pid), log: options.log });
  return 0;
}

/**
 * Prints what is appended to each file, prefixed and passed through `format` (pretty by default), until
 * `signal` aborts or `done()` says so.
 */
async function follow(
  files: readonly { label: string; file: string }[],
  log: (line: string) => void,
  signal: AbortSignal,
  done: () => boolean = () => false,
  format: (line: string) => string = formatLogLine,
): Promise<void> {
  const offsets = new Map(files.map((f) => [f.file, existsSync(f.file) ? statSync(f.file).size : 0]));
  while (!signal.aborted && !done()) {
    for (const { label, file } of files) {
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      const from = offsets.get(file) ?? 0;
      if (size <= from) continue;
      const chunk = readFileSync(file).subarray(from, size).toString('utf8');
      offsets.set(file, size);
      for (const line of chunk.split('\n')) if (line !== '') log(`${label} | ${format(line)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface ShowLogsOptions {
  /** How many of the last lines of each replica's log. */
  readonly lines: number;
  readonly follow: boolean;
  /** The raw JSON lines instead of pretty ones. */
  readonly json: boolean;
}

/**
 * `meshctl logs <agent>`: the last lines of every replica's log, pretty-printed (see formatLogLine) unless
 * `json`, optionally followed. A short name finds its agent (`order`: order-agent; see matchName).
 */
export async function showLogs(
  home: string,
  query: string,
  options: ShowLogsOptions,
  log: (line: string) => void,
): Promise<number> {
  const processes = readState(home)?.processes ?? [];
  if (processes.length === 0) {
    log('No local processes recorded (start the mesh first; see meshctl status).');
    return 1;
  }
  const name = matchName(
    query,
    processes.map((p) => p.name),
  );
  const records = processes.filter((p) => p.name === name);
  const format = options.json ? (line: string) => line : formatLogLine;
  for (const p of records) {
    log(`==> ${p.log} (pid ${p.pid}${isAlive(p.pid) ? '' : ', exited'}) <==`);
    const tail = tailFile(p.log, options.lines);
    for (const line of tail === '' ? [] : tail.split('\n')) log(format(line));
  }
  if (options.follow) {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    await follow(
      records.map((p) => ({ label: `${p.name}#${p.replica}`, file: p.log })),
      log,
      stop.signal,
      () => false,
      format,
    );
  }
  return 0;
}

/** What a restart needs; the port offset only when infrastructure restarts without a port on record. */
export type RestartOptions = Pick<UpOptions, 'home' | 'root' | 'env' | 'timeoutMs' | 'log'> &
  Partial<Pick<UpOptions, 'portOffset' | 'databasePrefix'>>;

/**
 * `meshctl restart <agent> [--replica N]`: starts again, with the same arguments, port and environment,
 * each replica of the agent whose process is gone (the chaos test uses it after killing one). Infrastructure
 * (`restart postgres`) starts again as `up` starts it: its own readiness check and the server's pid tracked.
 * When every replica runs, they are replaced one at a time without a gap (rollingRestart): how a changed build
 * goes live with no failed call.
 */
export async function restartAgent(
  options: RestartOptions,
  name: string,
  replica?: number,
  arch?: () => Architecture,
  /** How running replicas are replaced: one after the other (default), or all successors at once (dev). */
  rolling: { parallel?: boolean } = {},
): Promise<number> {
  const state = readState(options.home);
  if (!state) throw new Error('no mesh state: start the mesh first');
  const targets = state.processes.filter(
    (p) => p.name === name && (replica === undefined || p.replica === replica) && !isAlive(p.pid),
  );
  if (targets.length === 0) {
    const running = state.processes.filter(
      (p) =>
        p.name === name &&
        p.kind === 'agent' &&
        (replica === undefined || p.replica === replica) &&
        isAlive(p.pid),
    );
    if (running.length === 0) {
      options.log(`${name}: no such local agent replica (see meshctl status)`);
      return 1;
    }
    const fixedPort = arch?.().agents.find((agent) => agent.name === name)?.port !== undefined;
    options.log(
      `${name}: replacing ${running.length} running replica(s) ${rolling.parallel ? 'at once' : 'one at a time'}`,
    );
    await rollingRestart(running, {
      home: options.home,
      root: options.root,
      env: options.env,
      timeoutMs: options.timeoutMs,
      log: options.log,
      probeTls: operatorTls(options.home, options.env),
      inPlace: fixedPort,
      parallel: rolling.parallel ?? false,
    });
    return 0;
  }
  const infrastructure = targets.find((p) => p.kind === 'infrastructure');
  if (infrastructure !== undefined) {
    if (arch === undefined) throw new Error(`${name}: restarting infrastructure needs architecture.yml`);
    return restartInfrastructure(options, arch(), infrastructure);
  }
  // Read once: the probes below poll every 50 ms.
  const probeTls = operatorTls(options.home, options.env);
  const restarted = await Promise.all(
    targets.map(async (old): Promise<ProcessRecord> => {
      const child = spawnDetached(old.args, {
        env: { ...options.env, ...old.env },
        logFile: old.log,
        cwd: options.root,
      });
      const record: ProcessRecord = { ...old, pid: child.pid, startedAt: new Date().toISOString() };
      const path = old.kind === 'agent' ? '/ready' : '/health';
      if (old.url) {
        await awaitReady(
          `${name} #${old.replica}`,
          async () => ((await httpReady(`${old.url}${path}`, probeTls)) ? true : undefined),
          {
            timeoutMs: options.timeoutMs,
            exited: child.exited,
            logFile: old.log,
          },
        );
      }
      return record;
    }),
  );
  const byOld = new Map(targets.map((t, i) => [t.pid, restarted[i]!]));
  const fresh = readState(options.home) ?? state;
  fresh.processes = fresh.processes.map((p) => byOld.get(p.pid) ?? p);
  writeState(options.home, fresh);
  for (const r of restarted)
    options.log(`${name} #${r.replica} ready again at ${r.url ?? '-'} (pid ${r.pid})`);
  return 0;
}

/**
 * Starts an infrastructure service again on its port. What is left of the old one (a wrapper whose server
 * died, a server whose wrapper died) is stopped first, so the new server never meets the old one's port or
 * data directory in use.
 */
async function restartInfrastructure(
  options: RestartOptions,
  arch: Architecture,
  old: ProcessRecord,
): Promise<number> {
  const entry = arch.infrastructure.find((e) => e.name === old.name);
  if (entry === undefined) throw new Error(`${old.name}: not in architecture.yml's infrastructure`);
  await stopProcesses([old], 5000);
  const state = readState(options.home);
  if (!state) throw new Error('no mesh state: start the mesh first');
  state.processes = state.processes.filter((p) => p !== old && p.pid !== old.pid);
  writeState(options.home, state);
  // The same port as before, whatever MESH_PORT_OFFSET this shell has.
  const mainPort = entry.ports['main'] ?? Object.values(entry.ports)[0];
  const portOffset =
    old.port !== undefined && mainPort !== undefined ? old.port - mainPort : (options.portOffset ?? 0);
  const launcher = new Launcher(arch, { ...options, portOffset }, state);
  const started = Date.now();
  const where = await launcher.startInfrastructure(entry);
  const record = launcher.state.processes.find((p) => p.name === old.name);
  options.log(
    `${old.name} ready again at ${where} in ${Date.now() - started} ms (pid ${record?.pid ?? '?'})`,
  );
  return 0;
}
