import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { isAlive } from './state.js';

/** A process started in its own process group, writing to a log file, outliving meshctl. */
export interface SpawnedProcess {
  readonly pid: number;
  /** Size of the log before this process wrote to it (earlier runs' lines come before). */
  readonly logStart: number;
  /** Resolves with the exit code or signal if the process ends while meshctl still runs. */
  readonly exited: Promise<string>;
}

/**
 * Starts `node <args>` detached, with stdout and stderr appended to `logFile`. Logs are private to the user
 * (0600, also when an older run left the file readable): a service may print what it should not.
 */
export function spawnDetached(
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd: string },
): SpawnedProcess {
  // Only the logs directory is private: the mesh home must stay traversable for the server's own user
  // (PostgreSQL runs as "postgres" when started by root, with its data under the home).
  mkdirSync(dirname(options.logFile), { recursive: true });
  chmodSync(dirname(options.logFile), 0o700);
  const fd = openSync(options.logFile, 'a', 0o600);
  fchmodSync(fd, 0o600);
  const logStart = fstatSync(fd).size;
  try {
    const child = spawn(process.execPath, [...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
    const exited = new Promise<string>((resolve) => {
      child.on('exit', (code, signal) => resolve(signal ?? `exit code ${code ?? '?'}`));
      child.on('error', (error) => resolve(error.message));
    });
    child.unref();
    return { pid: child.pid, logStart, exited };
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export function tailFile(file: string, lines = 30): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8');
    const start = size > 256_000 ? text.length - 256_000 : 0;
    return text
      .slice(start)
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

function signal(pid: number, name: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, name);
  } catch {
    // already gone
  }
}

/** A process to stop: its pid, the signal that stops it promptly, and the wrapper leading its group. */
export interface StopTarget {
  readonly pid: number;
  readonly stopSignal?: NodeJS.Signals | undefined;
  readonly supervisorPid?: number | undefined;
}

/**
 * Graceful stop: each target's stop signal (SIGTERM unless it names another), and SIGTERM to its supervisor,
 * a wait of up to `graceMs` for all to exit, then SIGKILL to any survivor and its process group (children
 * such as PostgreSQL's backends go with it). Resolves with the pids that had to be killed.
 */
export async function stopProcesses(targets: readonly StopTarget[], graceMs: number): Promise<number[]> {
  const pidsOf = (t: StopTarget): number[] =>
    t.supervisorPid === undefined ? [t.pid] : [t.pid, t.supervisorPid];
  const alive = targets.filter((t) => pidsOf(t).some(isAlive));
  for (const target of alive) {
    signal(target.pid, target.stopSignal ?? 'SIGTERM', false);
    if (target.supervisorPid !== undefined) signal(target.supervisorPid, 'SIGTERM', false);
  }
  const deadline = Date.now() + graceMs;
  let remaining = alive;
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    remaining = remaining.filter((t) => pidsOf(t).some(isAlive));
  }
  for (const target of remaining) {
    for (const pid of pidsOf(target)) {
      signal(pid, 'SIGKILL', true);
      signal(pid, 'SIGKILL', false);
    }
  }
  const killDeadline = Date.now() + 2000;
  while (remaining.some((t) => pidsOf(t).some(isAlive)) && Date.now() < killDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Leftover children of a group leader that exited cleanly are not expected, but make sure.
  for (const target of alive) for (const pid of pidsOf(target)) signal(pid, 'SIGKILL', true);
  return remaining.map((t) => t.pid);
}

/** stopProcesses for plain pids stopped by SIGTERM. */
export function stopPids(pids: readonly number[], graceMs: number): Promise<number[]> {
  return stopProcesses(
    pids.map((pid) => ({ pid })),
    graceMs,
  );
}
