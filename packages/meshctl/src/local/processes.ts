import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
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

/** Starts `node <args>` detached, with stdout and stderr appended to `logFile`. */
export function spawnDetached(
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd: string },
): SpawnedProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
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

/**
 * Graceful stop: SIGTERM to each pid, wait up to `graceMs` for all to exit, then SIGKILL the whole
 * process group of any survivor (children such as the embedded Postgres server go with it).
 * Resolves with the pids that had to be killed.
 */
export async function stopPids(pids: readonly number[], graceMs: number): Promise<number[]> {
  const alive = pids.filter(isAlive);
  for (const pid of alive) signal(pid, 'SIGTERM', false);
  const deadline = Date.now() + graceMs;
  let remaining = alive;
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    remaining = remaining.filter(isAlive);
  }
  for (const pid of remaining) signal(pid, 'SIGKILL', true);
  const killDeadline = Date.now() + 2000;
  while (remaining.some(isAlive) && Date.now() < killDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Leftover children of a group leader that exited cleanly are not expected, but make sure.
  for (const pid of alive) signal(pid, 'SIGKILL', true);
  return remaining;
}
