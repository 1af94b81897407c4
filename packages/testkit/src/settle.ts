import { readFileSync, readdirSync } from 'node:fs';

/** Microseconds of CPU in one tick of /proc's times (USER_HZ is 100 on Linux). */
export const CPU_TICK_US = 10_000;

/** CPU ticks (user + system, CPU_TICK_US each) a process has used so far; 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Before a benchmark slice: collects this process's heap (when run with --expose-gc) and waits until the
 * given processes are idle (at most one CPU tick over 200 ms), so a server still working off the previous
 * slice's backlog, or garbage from another system, does not land in the next slice's tail. Bounded: at most
 * `maxWaitMs`, then it returns anyway.
 */
export async function settleProcesses(pids: readonly number[], maxWaitMs = 3000): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const deadline = Date.now() + maxWaitMs;
  while (Date.now() < deadline) {
    const before = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
    if (after - before <= 1) return;
  }
}

/** Pids of every process whose command name is `name` (e.g. the backends of a PostgreSQL server). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}
