import { describe, expect, it } from 'vitest';
import { ownerOf, processNameOf, selfTimes } from './cpuprofile-top.mjs';

const frame = (functionName, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const root = new URL('../..', import.meta.url).href;

describe('selfTimes', () => {
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

  it('adds the time deltas of the samples that landed in each frame', () => {
    const { totalMs, frames } = selfTimes(profile, 0);
    expect(totalMs).toBe(8.5);
    expect(frames[0]).toEqual({ frame: '(idle)', ms: 5 });
    expect(frames[1].ms).toBe(3.5);
    expect(frames[1].frame).toMatch(/^parse .*a\.js:10$/);
  });

  it('leaves out the samples of the first skipMs (a start-up)', () => {
    const { totalMs, frames } = selfTimes(profile, 6);
    expect(totalMs).toBe(2.5);
    expect(frames).toEqual([expect.objectContaining({ ms: 2.5 })]);
  });
});

describe('ownerOf', () => {
  it('tells our packages, npm packages, Node modules, native calls and V8 entries apart', () => {
    expect(ownerOf(frame('reserve', `${root}agents/database/dist/reservation-store.js`))).toBe(
      'ours:agents/database',
    );
    expect(
      ownerOf(frame('addFields', `${root}node_modules/.pnpm/pg@8.2/node_modules/pg/lib/result.js`)),
    ).toBe('npm:pg');
    expect(ownerOf(frame('x', `${root}node_modules/.pnpm/@a+b@1/node_modules/@a/b/index.js`))).toBe(
      'npm:@a/b',
    );
    expect(ownerOf(frame('emit', 'node:events'))).toBe('node:events');
    expect(ownerOf(frame('writev'))).toBe('native');
    expect(ownerOf(frame('(garbage collector)'))).toBe('(garbage collector)');
  });
});

describe('processNameOf', () => {
  it('names a profile by the agent whose code it ran most', () => {
    const nodes = [
      `${root}packages/runtime/dist/mcp-handler.js`,
      `${root}agents/order/dist/saga.js`,
      `${root}agents/order/dist/main.js`,
      `${root}agents/user/dist/contract.js`,
    ].map((url, i) => ({ id: i + 1, callFrame: frame('f', url) }));
    expect(processNameOf({ nodes, samples: [], timeDeltas: [] })).toBe('agents/order');
  });
});
