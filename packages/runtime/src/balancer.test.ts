import { describe, expect, it } from 'vitest';
import { pickBalanced, pickProvider, pickWeighted } from './balancer.js';
import { ProviderState } from './provider-pool.js';
import type { Candidate, CandidateGroup } from './provider-pool.js';

function candidate(id: string, inFlight = 0, version = '1.0.0'): Candidate {
  const state = new ProviderState(id, `http://127.0.0.1/${id}`, 5, 1000);
  state.inFlight = inFlight;
  return { state, functionName: 'f', idempotent: false, version };
}

describe('pickProvider', () => {
  it('takes the less loaded of the two random choices', () => {
    const busy = candidate('busy', 10);
    const idle = candidate('idle', 0);
    const sequence = [0, 0];
    const picked = pickProvider([busy, idle], new Set(), Date.now(), () => sequence.shift() ?? 0);
    expect(picked?.state.agentId).toBe('idle');
  });

  it('spreads calls over every replica when loads are equal', () => {
    const candidates = [candidate('a'), candidate('b'), candidate('c')];
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i += 1) {
      const id = pickProvider(candidates, new Set(), Date.now())!.state.agentId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700);
  });

  it('skips excluded and ejected providers', () => {
    const a = candidate('a');
    const b = candidate('b');
    const c = candidate('c');
    b.state.eject(60_000);
    for (let i = 0; i < 50; i += 1) {
      expect(pickProvider([a, b, c], new Set(['a']), Date.now())?.state.agentId).toBe('c');
    }
  });

  it('returns nothing when every provider is ejected, unless told to ignore ejection', () => {
    const a = candidate('a');
    a.state.eject(60_000);
    expect(pickProvider([a], new Set(), Date.now())).toBeUndefined();
    expect(pickProvider([a], new Set(), Date.now(), Math.random, true)?.state.agentId).toBe('a');
  });
});

describe('pickWeighted (a canary split)', () => {
  function split(canaryWeight: number): { groups: CandidateGroup[]; all: Candidate[] } {
    const stable = [candidate('s1'), candidate('s2'), candidate('s3')];
    const canary = [candidate('c1', 0, '2.0.0')];
    return {
      groups: [
        { version: '1.0.0', weight: 100 - canaryWeight, candidates: stable },
        { version: '2.0.0', weight: canaryWeight, candidates: canary },
      ],
      all: [...stable, ...canary],
    };
  }

  it('gives each version group its weight, however many replicas it has', () => {
    const { groups } = split(10);
    let canary = 0;
    const picks = 100_000;
    for (let i = 0; i < picks; i += 1) {
      if (pickWeighted(groups, new Set(), Date.now())?.version === '2.0.0') canary += 1;
    }
    expect(canary / picks).toBeGreaterThan(0.095);
    expect(canary / picks).toBeLessThan(0.105);
  });

  it('moves to the other version when one has no usable candidate left', () => {
    const { groups, all } = split(90);
    expect(pickWeighted(groups, new Set(['c1']), Date.now(), () => 0.99)?.version).toBe('1.0.0');
    groups[0]!.candidates.forEach((c) => c.state.eject(60_000));
    expect(pickBalanced(all, groups, new Set(['c1']), Date.now())).toBeUndefined();
    expect(pickBalanced(all, groups, new Set(), Date.now(), () => 0)?.version).toBe('2.0.0');
  });

  it('falls back to a weight-0 group only when nothing weighted is usable', () => {
    const { groups, all } = split(0);
    expect(pickWeighted(groups, new Set(['s1', 's2', 's3']), Date.now())).toBeUndefined();
    expect(pickBalanced(all, groups, new Set(['s1', 's2', 's3']), Date.now())?.state.agentId).toBe('c1');
  });
});
