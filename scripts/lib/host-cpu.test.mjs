import { describe, expect, it } from 'vitest';
import { busyHost, describeOthers, othersOnHost, parseHostCpu, readHostCpu } from './host-cpu.mjs';

const PROC_STAT = 'cpu  4918080 94161 1318878 4785281 40816 0 76701 20756 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n';

describe('host CPU beside the bench', () => {
  it('reads the machine’s busy and stolen ticks from the cpu line', () => {
    expect(parseHostCpu(PROC_STAT)).toEqual({
      busyTicks: 4918080 + 94161 + 1318878 + 0 + 76701,
      stealTicks: 20756,
    });
    expect(() => parseHostCpu('intr 1 2 3')).toThrow(/PROC_STAT_INVALID/);
  });

  it('reads this machine’s /proc/stat, busy ticks growing with work', () => {
    const before = readHostCpu();
    const end = Date.now() + 60;
    while (Date.now() < end); // 60 ms of CPU: 6 ticks, at least 3 of them seen
    expect(readHostCpu().busyTicks - before.busyTicks).toBeGreaterThanOrEqual(3);
  });

  it('takes the bench’s own processes out of the machine’s CPU', () => {
    // 10 s at 200 orders/s: the machine busy 17.5 s of its 20, 17 s of them the system, k6 and the bench.
    const host = othersOnHost({
      before: { busyTicks: 1000, stealTicks: 50 },
      after: { busyTicks: 2750, stealTicks: 60 },
      ownMs: 17_000,
      wallSeconds: 10,
      cores: 2,
    });
    expect(host.othersCores).toBeCloseTo(0.05, 5);
    expect(host.stealCores).toBeCloseTo(0.01, 5);
    expect(describeOthers(host)).toBe('other processes 0.05 of 2 cores, steal 0.01');
  });

  it('does not call the host busy because its own system raised the load average', () => {
    // What the load average alone said in such a run: 4.6 on 2 cores, "other processes competed".
    expect(busyHost({ othersCores: 0.05, stealCores: 0.01, cores: 2 })).toBeUndefined();
    expect(
      othersOnHost({
        before: { busyTicks: 1000, stealTicks: 0 },
        after: { busyTicks: 1990, stealTicks: 0 },
        ownMs: 10_000,
        wallSeconds: 10,
        cores: 2,
      }).othersCores,
    ).toBe(0);
  });

  it('calls it busy when others or the hypervisor took the cores', () => {
    expect(busyHost({ othersCores: 0.6, stealCores: 0, cores: 2 })).toBe(
      'other processes used 0.60 of its 2 cores',
    );
    expect(busyHost({ othersCores: 0.3, stealCores: 0.2, cores: 2 })).toBe(
      'other processes used 0.30 of its 2 cores; the hypervisor stole 0.20 of its 2 cores',
    );
  });
});
