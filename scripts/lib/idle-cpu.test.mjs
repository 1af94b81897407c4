import { describe, expect, it } from 'vitest';
import { idleTable, median, msPerSecond, processLabel } from './idle-cpu.mjs';

describe('idle cpu', () => {
  it('turns clock ticks (10 ms each) over a window into ms of CPU per second', () => {
    expect(msPerSecond([100, 50], [130, 50], 10)).toEqual([30, 0]);
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('names replicas after the first by their number', () => {
    expect(processLabel({ name: 'user-agent', replica: 1 })).toBe('user-agent');
    expect(processLabel({ name: 'user-agent', replica: 3 })).toBe('user-agent#3');
    expect(processLabel({ name: 'postgres' })).toBe('postgres');
  });

  it('lists each process by its median, busiest first, and totals the medians', () => {
    const table = idleTable(
      ['registry', 'auth-agent'],
      [
        [4, 2],
        [6, 3],
        [5, 10],
      ],
    );
    expect(table.split('\n')).toEqual([
      '  registry       5.0',
      '  auth-agent     3.0',
      '  total          8.0',
    ]);
  });
});
