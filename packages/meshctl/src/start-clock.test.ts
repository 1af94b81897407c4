import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startEpochMs } from './start-clock.js';

describe('startEpochMs', () => {
  it("is this process's start when the script set nothing", () => {
    expect(startEpochMs({}, 1_000_000)).toBe(1_000_000);
    expect(startEpochMs({})).toBe(performance.timeOrigin);
    expect(performance.timeOrigin).toBeLessThan(Date.now());
  });

  it("is the start script's epoch when it began shortly before this process", () => {
    const processStart = 1_790_000_000_000;
    const script = processStart - 1_500;
    expect(startEpochMs({ MESH_START_EPOCH_MS: String(script) }, processStart)).toBe(script);
  });

  it('ignores an epoch that is malformed, later than this process or older than a minute before it', () => {
    const processStart = 1_790_000_000_000;
    for (const raw of ['', 'soon', '1790000000%3N', String(processStart + 1), String(processStart - 61_000)])
      expect(startEpochMs({ MESH_START_EPOCH_MS: raw }, processStart)).toBe(processStart);
  });

  it("counts Node's own start-up: timeOrigin is before the first line of a module runs", () => {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        'const end = Date.now() + 200; while (Date.now() < end); console.log(Date.now() - performance.timeOrigin)',
      ],
      { encoding: 'utf8' },
    );
    expect(Number(child.stdout)).toBeGreaterThanOrEqual(200);
  });
});
