import { isMeshError, MeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { BatchedCommits } from './batched-commits.js';
import type { ProxyLike } from './saga-ports.js';

interface Call {
  args: Record<string, unknown>;
  opts: { timeoutMs?: number; trace?: unknown } | undefined;
}

/** A proxy recording its calls; `answer` decides each reply (a value, or a thrown error). */
function fakeProxy(available: boolean, answer: (args: Record<string, unknown>) => unknown) {
  const calls: Call[] = [];
  const proxy: ProxyLike & { calls: Call[] } = {
    available,
    calls,
    call<T>(args: Record<string, unknown>, opts?: Call['opts']): Promise<T> {
      calls.push({ args, opts });
      try {
        return Promise.resolve(answer(args) as T);
      } catch (error: unknown) {
        return Promise.reject(error as Error);
      }
    },
  };
  return proxy;
}

/** The batch tool as the inventory agent answers: committed, except the ids named as expired or missing. */
function inventory(options: { expired?: string[]; missing?: string[] } = {}) {
  return fakeProxy(true, (args) => ({
    results: (args['reservation_ids'] as string[]).map((id) => {
      if (options.expired?.includes(id)) {
        return {
          reservation_id: id,
          status: 'expired',
          error: { code: 'CONFLICT', message: `cannot commit reservation ${id}: it is expired` },
        };
      }
      if (options.missing?.includes(id)) {
        return { reservation_id: id, error: { code: 'NOT_FOUND', message: `reservation ${id} not found` } };
      }
      return { reservation_id: id, status: 'committed' };
    }),
  }));
}

const unusedSingle = () => fakeProxy(true, () => ({ status: 'committed' }));
const trace = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true };
const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'committed',
    (error: unknown) => (isMeshError(error) ? error.code : String(error)),
  );

describe('BatchedCommits', () => {
  it('fails only the order whose reservation expired or is unknown, with the single tool codes', async () => {
    const commitBatch = inventory({ expired: ['res-2'], missing: ['res-3'] });
    const commits = new BatchedCommits({ commit: unusedSingle(), commitBatch });
    const settled = await Promise.all(
      ['res-1', 'res-2', 'res-3', 'res-4'].map((id) => outcome(commits.commit(id, { timeoutMs: 1_000 }))),
    );
    expect(settled).toEqual(['committed', 'CONFLICT', 'NOT_FOUND', 'committed']);
    expect(commitBatch.calls).toHaveLength(1);
    const conflict = await commits.commit('res-2', { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect((conflict as MeshError).data).toEqual({ reservation_id: 'res-2', status: 'expired' });
  });

  it('fails every waiting order with the call error when the call fails, so each saga retries its own', async () => {
    const commitBatch = fakeProxy(true, () => {
      throw new MeshError('CIRCUIT_OPEN', 'inventory-agent circuit open');
    });
    const commits = new BatchedCommits({ commit: unusedSingle(), commitBatch });
    const settled = await Promise.all(
      ['res-1', 'res-2'].map((id) => outcome(commits.commit(id, { timeoutMs: 1_000 }))),
    );
    expect(settled).toEqual(['CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
  });

  it('carries the first trace and the longest timeout of its orders, and at most maxBatch ids per call', async () => {
    const commitBatch = inventory();
    const commits = new BatchedCommits(
      { commit: unusedSingle(), commitBatch },
      { maxBatch: 2, maxInFlight: 2 },
    );
    await Promise.all([
      commits.commit('res-1', { timeoutMs: 300, trace }),
      commits.commit('res-2', { timeoutMs: 900 }),
      commits.commit('res-3', { timeoutMs: 500 }),
    ]);
    expect(commitBatch.calls.map((call) => call.args['reservation_ids'])).toEqual([
      ['res-1', 'res-2'],
      ['res-3'],
    ]);
    expect(commitBatch.calls[0]?.opts).toEqual({ timeoutMs: 900, trace });
    expect(commitBatch.calls[1]?.opts).toEqual({ timeoutMs: 500 });
  });

  it('commits one by one through the single tool when the provider lacks the batch tool', async () => {
    const commit = fakeProxy(true, (args) => {
      if (args['reservation_id'] === 'res-2') throw new MeshError('CONFLICT', 'it is released');
      return { reservation_id: args['reservation_id'], status: 'committed' };
    });
    const commitBatch = fakeProxy(false, () => ({ results: [] }));
    const commits = new BatchedCommits({ commit, commitBatch });
    const settled = await Promise.all(
      ['res-1', 'res-2'].map((id) => outcome(commits.commit(id, { timeoutMs: 1_000 }))),
    );
    expect(settled).toEqual(['committed', 'CONFLICT']);
    expect(commit.calls.map((call) => call.args)).toEqual([
      { reservation_id: 'res-1' },
      { reservation_id: 'res-2' },
    ]);
    expect(commitBatch.calls).toEqual([]);
  });

  it('gives up on an order at its own timeout while the call it rides in hangs', async () => {
    const commitBatch: ProxyLike = { available: true, call: () => new Promise<never>(() => undefined) };
    const commits = new BatchedCommits({ commit: unusedSingle(), commitBatch });
    expect(await outcome(commits.commit('res-1', { timeoutMs: 20 }))).toBe('TIMEOUT');
  });

  it('gives up on an order whose signal aborts, with the signal reason', async () => {
    const commitBatch: ProxyLike = { available: true, call: () => new Promise<never>(() => undefined) };
    const commits = new BatchedCommits({ commit: unusedSingle(), commitBatch });
    const controller = new AbortController();
    const pending = outcome(commits.commit('res-1', { timeoutMs: 5_000, signal: controller.signal }));
    controller.abort(new MeshError('SHUTTING_DOWN', 'order agent stopping'));
    expect(await pending).toBe('SHUTTING_DOWN');
  });

  it('refuses an answer that does not name the reservation asked for', async () => {
    const commitBatch = fakeProxy(true, () => ({
      results: [{ reservation_id: 'other', status: 'committed' }],
    }));
    const commits = new BatchedCommits({ commit: unusedSingle(), commitBatch });
    expect(await outcome(commits.commit('res-1', { timeoutMs: 1_000 }))).toBe('REMOTE_ERROR');
  });
});
