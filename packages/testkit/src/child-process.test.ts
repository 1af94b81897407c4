import { describe, expect, it } from 'vitest';
import { startNode } from './child-process.js';
import { freePort } from '@mesh/common';
import { waitForHttp } from './wait-for.js';

describe('startNode', () => {
  it('captures output and stops the process with SIGTERM', async () => {
    const port = await freePort();
    const script = `require('http').createServer((q, s) => s.end('up')).listen(${port}, '127.0.0.1', () => console.log('listening'))`;
    const started = startNode('-e', [script]);
    await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 });
    expect(started.output()).toContain('listening');
    expect(await started.stop()).toBe('SIGTERM');
  });

  it('keeps stdout apart from stderr, trimming it to whole lines when it grows past the limit', async () => {
    const script = `console.error('on stderr'); for (let i = 0; i < 50; i += 1) console.log('line ' + i)`;
    const started = startNode('-e', [script], { maxOutputChars: 100 });
    expect(await started.exited).toBe(0);
    const lines = started
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    expect(lines.at(-1)).toBe('line 49');
    expect(lines.every((line) => /^line \d+$/.test(line))).toBe(true);
    expect(started.stdout()).not.toContain('on stderr');
  });
});
