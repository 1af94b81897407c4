import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DependencySlot, ProviderPool } from './provider-pool.js';

const provider = {
  agentId: 'echo-1',
  endpoint: 'http://127.0.0.1:1',
  functionName: 'echo',
  idempotent: false,
};

describe('DependencySlot', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('empties at once when a resolution without providers arrives and no hold is asked for', () => {
    const pool = new ProviderPool(5, 1000);
    const slot = new DependencySlot();
    slot.replace([provider], pool);
    slot.replace([], pool);
    expect(slot.candidates).toHaveLength(0);
  });

  it('keeps its providers for the hold after an outage, then drops them', () => {
    const pool = new ProviderPool(5, 1000);
    const slot = new DependencySlot();
    slot.replace([provider], pool);
    slot.replace([], pool, 10_000);
    slot.replace([], pool);
    expect(slot.candidates.map((c) => c.state.agentId)).toEqual(['echo-1']);
    vi.advanceTimersByTime(10_000);
    expect(slot.candidates).toHaveLength(0);
  });

  it('ends the hold as soon as a resolution names providers again', () => {
    const pool = new ProviderPool(5, 1000);
    const slot = new DependencySlot();
    slot.replace([provider], pool);
    slot.replace([], pool, 10_000);
    const back = { ...provider, agentId: 'echo-2' };
    slot.replace([back], pool);
    vi.advanceTimersByTime(10_000);
    expect(slot.candidates.map((c) => c.state.agentId)).toEqual(['echo-2']);
  });
});
