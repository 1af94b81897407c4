import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeNodes, nodeOfProcess } from './node-runtime.mjs';

describe('nodeOfProcess', () => {
  it('names the executable and version of a Node process', () => {
    expect(nodeOfProcess(process.pid)).toEqual({
      path: realpathSync(process.execPath),
      version: process.version,
    });
  });

  it('is undefined for a process that is not Node, and for a pid that is gone', async () => {
    const sleeper = spawn('sleep', ['5']);
    try {
      expect(nodeOfProcess(sleeper.pid)).toBeUndefined();
    } finally {
      sleeper.kill();
    }
    expect(nodeOfProcess(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('describeNodes', () => {
  it('lists each distinct Node once and skips other programs', () => {
    const line = `node ${process.version} (${realpathSync(process.execPath)})`;
    expect(describeNodes([process.pid, process.pid, 2 ** 22 + 1])).toBe(line);
    expect(describeNodes([2 ** 22 + 1])).toBe('no Node process found');
  });
});
