import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-alive.js';

describe('isProcessAlive', () => {
  it('is true for this process and false for a pid that does not exist', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 1)).toBe(false);
  });

  it('is false for an exited child that has not been reaped yet (a zombie)', async () => {
    // A shell that starts a short-lived child and never waits for it leaves that child a zombie.
    const shell = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = await new Promise<number>((resolve) =>
      shell.stdout.once('data', (d: Buffer) => resolve(Number(d))),
    );
    try {
      const deadline = Date.now() + 3000;
      while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(isProcessAlive(pid)).toBe(false);
    } finally {
      shell.kill('SIGKILL');
    }
  });
});
