import { describe, expect, it } from 'vitest';
import { cpuTicks, pidsNamed, settleProcesses } from './settle.js';

describe('settleProcesses', () => {
  it('settles for a process that is gone, and reads CPU ticks of a live one', async () => {
    await expect(settleProcesses([2 ** 22 + 12_345])).resolves.toBeUndefined();
    expect(cpuTicks(2 ** 22 + 12_345)).toBe(0);
    expect(cpuTicks(process.pid)).toBeGreaterThan(0);
    expect(pidsNamed('no-such-command-here')).toEqual([]);
  });
});
