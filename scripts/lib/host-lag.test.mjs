import { describe, expect, it } from 'vitest';
import { generatorShortfalls, watchHostLag } from './host-lag.mjs';

const calm = { p50Ms: 0.1, p99Ms: 3, maxMs: 8, loadStart: 0.5, loadEnd: 0.7, cores: 2 };

describe('host lag', () => {
  it('sees the event loop held up', async () => {
    const watch = watchHostLag(10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const end = Date.now() + 120;
    while (Date.now() < end); // holds the loop as a busy host would
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lag = watch.stop();
    expect(lag.maxMs).toBeGreaterThanOrEqual(90);
    expect(lag.p50Ms).toBeLessThan(lag.maxMs);
    expect(lag.cores).toBeGreaterThan(0);
  });

  it('says nothing when the generator kept up', () => {
    expect(
      generatorShortfalls({ asked: 100, achieved: 99.5, dropped: 3, durationSeconds: 30, lag: calm }),
    ).toEqual([]);
  });

  it('names each way the generator fell behind', () => {
    const reasons = generatorShortfalls({
      asked: 200,
      achieved: 150,
      dropped: 900,
      durationSeconds: 30,
      lag: { ...calm, p99Ms: 80, loadEnd: 5.2 },
    });
    expect(reasons).toEqual([
      'sent 150.0/s of 200/s asked',
      '900 iterations dropped (no free VU: the system or the host fell behind)',
      'host scheduling lag p99 80 ms > 50 ms',
    ]);
  });
});
