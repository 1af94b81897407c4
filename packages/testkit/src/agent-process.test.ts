import { afterAll, describe, expect, it } from 'vitest';
import { waitForAgentUrl } from './agent-process.js';
import { startNode, stopAllProcesses } from './child-process.js';

/** A stand-in agent: listens on port 0, logs the pino-style "agent listening" line, answers /ready with `status`. */
function fakeAgent(readyStatus: number): string {
  return `const s = require('http').createServer((q, r) => { r.statusCode = q.url === '/ready' ? ${readyStatus} : 404; r.end(); });
s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ level: 30, msg: 'agent listening', url: 'http://127.0.0.1:' + s.address().port })));`;
}

describe('waitForAgentUrl', () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('returns the announced URL once /ready answers 200', async () => {
    const started = startNode('-e', [fakeAgent(200)]);
    const url = await waitForAgentUrl(started, 10_000);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  });

  it('fails fast with the output when the process exits before announcing', async () => {
    const started = startNode('-e', ['console.log("boom"); process.exit(3)']);
    await expect(waitForAgentUrl(started, 30_000)).rejects.toThrow(/exited with 3[\s\S]*boom/);
  });

  it('fails when /ready never answers 200 within the timeout', async () => {
    const started = startNode('-e', [fakeAgent(503)]);
    await expect(waitForAgentUrl(started, 1500)).rejects.toThrow(/agent process not ready: .*timed out/);
  });
});
