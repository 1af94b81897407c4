import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@mesh/common';
import { simpleRequest } from './http-request.js';
import { RuntimeMetrics } from './metrics.js';
import { RegistryClient } from './registry-client.js';

vi.mock('./http-request.js', () => ({ simpleRequest: vi.fn() }));

const request = vi.mocked(simpleRequest);
const REGISTERED = { status: 200, text: '{"status":"success","dependencies_resolved":{}}' };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  request.mockReset();
});

/** A registry client whose every registry request is answered by `request`; returns the request times. */
function clientWithRegistry(healthIntervalMs: number, retryDelayMs = 100) {
  const times: number[] = [];
  let answer: () => Promise<{ status: number; text: string }> = () =>
    Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9'));
  request.mockImplementation(() => {
    times.push(Date.now());
    return answer();
  });
  const client = new RegistryClient({
    registryUrl: 'http://127.0.0.1:9',
    agentId: 'backoff-1',
    body: () => ({ agent_id: 'backoff-1' }),
    healthIntervalMs,
    retryDelayMs,
    logger: silentLogger(),
    metrics: new RuntimeMetrics('backoff', 'backoff-1', false),
    onTopology: () => undefined,
    healthy: () => Promise.resolve(true),
  });
  return {
    client,
    times,
    answerWith(next: () => Promise<{ status: number; text: string }>) {
      answer = next;
    },
  };
}

/** Runs the client's next `count` sleeps, each to its end. */
async function nextAttempts(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await vi.advanceTimersToNextTimerAsync();
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, index) => time - times[index]!);
}

describe('registry reconnect backoff', () => {
  it('doubles the ceiling from twice the retry delay up to 5 s, waiting between half the ceiling and all of it', async () => {
    vi.useFakeTimers({ now: 0 });
    const { client, times } = clientWithRegistry(60_000);
    await client.start();
    await nextAttempts(9);
    const delays = gaps(times);
    expect(delays).toHaveLength(9);
    delays.forEach((delay, index) => {
      const ceiling = Math.min(5000, 100 * 2 ** (index + 1));
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
      // While the ceiling doubles, each range starts where the previous one ends: the waits never shrink.
      if (index > 0 && ceiling === 2 * Math.min(5000, 100 * 2 ** index))
        expect(delay).toBeGreaterThanOrEqual(delays[index - 1]!);
    });
    expect(delays.slice(-3).every((delay) => delay >= 2500 && delay <= 5000)).toBe(true);
    await client.stop();
  });

  it('takes the low and high ends of the jitter range exactly as Math.random does', async () => {
    vi.useFakeTimers({ now: 0 });
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    const { client, times } = clientWithRegistry(60_000);
    await client.start();
    await nextAttempts(7);
    expect(gaps(times)).toEqual([100, 200, 400, 800, 1600, 2500, 2500]);
    random.mockReturnValue(0.999_999);
    const before = times.length;
    // The wait already scheduled was drawn with 0; the next ones reach the top of the range.
    await nextAttempts(3);
    const [scheduled, ...high] = gaps(times.slice(before - 1));
    expect(scheduled).toBe(2500);
    expect(high).toHaveLength(2);
    for (const delay of high) expect(delay).toBeGreaterThanOrEqual(4999);
    for (const delay of high) expect(delay).toBeLessThanOrEqual(5000);
    await client.stop();
  });

  it('never waits longer than the heartbeat interval', async () => {
    vi.useFakeTimers({ now: 0 });
    const { client, times } = clientWithRegistry(1000);
    await client.start();
    await nextAttempts(6);
    const delays = gaps(times);
    expect(delays.slice(-3).every((delay) => delay >= 500 && delay <= 1000)).toBe(true);
    await client.stop();
  });

  it('starts again from the shortest wait once the registry has answered', async () => {
    vi.useFakeTimers({ now: 0 });
    const { client, times, answerWith } = clientWithRegistry(60_000);
    await client.start();
    await nextAttempts(6);
    answerWith(() => Promise.resolve(REGISTERED));
    await nextAttempts(1);
    expect(client.registered).toBe(true);
    answerWith(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')));
    await nextAttempts(2);
    const delays = gaps(times);
    const afterRecovery = delays.at(-1)!;
    expect(afterRecovery).toBeGreaterThanOrEqual(100);
    expect(afterRecovery).toBeLessThanOrEqual(200);
    await client.stop();
  });
});
