import { describe, expect, it } from 'vitest';
import { pickProvider } from './balancer.js';
import { ProviderState } from './provider-pool.js';
import type { Candidate } from './provider-pool.js';

function candidate(id: string, inFlight = 0): Candidate {
  const state = new ProviderState(id, `http://127.0.0.1/${id}`, 5, 1000);
  state.inFlight = inFlight;
  return { state, functionName: 'f', idempotent: false };
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
