import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A server under test in a process of its own. */
export interface BenchProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
}

/** Starts `node <script> ...args` and waits (20 s at most) for the `LISTENING <port>` line it prints. */
export function startListening(
  label: string,
  script: string,
  args: readonly string[],
): Promise<BenchProcess> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not start in 20 s`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before listening`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const port = /LISTENING (\d+)/.exec(seen)?.[1];
      if (port === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve({ label, child, pid: child.pid, url: `http://127.0.0.1:${port}` });
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopListening(server: BenchProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
