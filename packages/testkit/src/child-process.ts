import { spawn, type ChildProcess } from 'node:child_process';

export interface StartedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** What the process printed on stdout alone, in whole lines (for checking a log format line by line). */
  stdout(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL at once. */
  kill(): Promise<number | string>;
}

export interface StartProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep at most this many characters of output. */
  maxOutputChars?: number;
}

const running = new Set<StartedProcess>();

/** Starts a child process whose output is captured; every started process is stopped by `stopAllProcesses`. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: StartProcessOptions = {},
): StartedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  const maxChars = options.maxOutputChars ?? 200_000;
  let output = '';
  let stdout = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > maxChars) output = output.slice(output.length - maxChars);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    append(chunk);
    stdout += chunk.toString('utf8');
    if (stdout.length > maxChars) {
      // Trimmed at a line start, so a line-by-line check never sees half a line.
      const cut = stdout.indexOf('\n', stdout.length - maxChars);
      stdout = cut < 0 ? stdout.slice(stdout.length - maxChars) : stdout.slice(cut + 1);
    }
  });
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  // 'exit' can come before the last output has been read: a check of the output after stop() waits for the
  // pipe's end too, for at most a second (a grandchild holding the pipe open must not hold the test up).
  const outputEnded = new Promise<void>((resolve) => {
    if (child.stdout === null) resolve();
    else child.stdout.once('end', resolve).once('close', resolve);
  });
  const drained = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outputEnded, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  };
  const started: StartedProcess = {
    pid,
    child,
    output: () => output,
    stdout: () => stdout,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await drained();
      running.delete(started);
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await drained();
      running.delete(started);
      return exited;
    },
  };
  running.add(started);
  return started;
}

/** Starts a Node.js script with the current Node binary. */
export function startNode(
  script: string,
  args: readonly string[] = [],
  options: StartProcessOptions = {},
): StartedProcess {
  return startProcess(process.execPath, [script, ...args], options);
}

/** Stops every process started through this module that is still running (for afterAll hooks). */
export async function stopAllProcesses(graceMs = 5000): Promise<void> {
  await Promise.all([...running].map((started) => started.stop(graceMs)));
}
