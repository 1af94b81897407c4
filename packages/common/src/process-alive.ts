import { readFileSync } from 'node:fs';

/**
 * Whether a process runs. Signal 0 alone says yes for a zombie (an exited child its parent has not reaped
 * yet), which is what a stopped process looks like until init gets to it; on Linux /proc tells them apart.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const afterName = stat.lastIndexOf(')') + 2;
    return stat.slice(afterName, afterName + 1) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all we know
  }
}
