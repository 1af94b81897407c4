import { describe, expect, it } from 'vitest';
import { startNode } from './child-process.js';
import { freePort } from './ports.js';
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
});
