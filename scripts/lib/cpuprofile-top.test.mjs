import { describe, expect, it } from 'vitest';
import { selfTimes } from './cpuprofile-top.mjs';

describe('selfTimes', () => {
  it('adds the time deltas of the samples that landed in each frame', () => {
    const frame = (functionName, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('parse', 'file:///x/a.js', 9) },
        { id: 3, callFrame: frame('(idle)') },
        { id: 4, callFrame: frame('parse', 'file:///x/a.js', 9) },
      ],
      samples: [2, 3, 4, 2],
      timeDeltas: [1000, 5000, 2000, 500],
    };
    const { totalMs, frames } = selfTimes(profile);
    expect(totalMs).toBe(8.5);
    expect(frames[0]).toEqual({ frame: '(idle)', ms: 5 });
    expect(frames[1].ms).toBe(3.5);
    expect(frames[1].frame).toMatch(/^parse .*a\.js:10$/);
  });
});
